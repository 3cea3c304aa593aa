using Microsoft.Extensions.Logging.Abstractions;
using TimeMark.Broker.Access;
using TimeMark.Broker.Metrics;
using TimeMark.Broker.Pipeline;
using TimeMark.Broker.Tests.Serving;
using TimeMark.Protocol.Keys;

namespace TimeMark.Broker.Tests.Pipeline;

/// <summary>The deferred check runs on a thread of its own at the lowest priority, and drains its queue before it stops.</summary>
public sealed class DeferredVerifierTests
{
    private readonly BrokerMetrics _metrics = new();
    private readonly RejectionRecorder _rejections = new(TimeProvider.System, NullLogger<RejectionRecorder>.Instance);

    private DeferredVerifier NewVerifier() => new(_rejections, _metrics, NullLogger<DeferredVerifier>.Instance);

    [Fact]
    public async Task Checks_RunOnTheirOwnThreadAtNice19()
    {
        DeferredVerifier verifier = NewVerifier();

        // The thread lowers itself once started: wait for it, then read its nice value (field 19 of /proc/…/stat).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        int[] nices;
        do
        {
            nices = NicesOfThreadsNamed(DeferredVerifier.ThreadName);
            if (nices.Length > 0 && nices.All(nice => nice == BackgroundPriority.Nice))
                break;
            await Task.Delay(20);
        }
        while (DateTime.UtcNow < deadline);

        Assert.NotEmpty(nices);
        Assert.All(nices, nice => Assert.Equal(19, nice));
        verifier.Complete();
        await verifier.Completion.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Complete_ChecksEverythingQueuedFirst()
    {
        using SigningKey device = SigningKey.Generate(KeyAlgorithm.EcdsaP256);
        using SigningKey impostor = SigningKey.Generate(KeyAlgorithm.EcdsaP256);
        var publisher = new ClientIdentity("dev-1", IsAgent: true);
        DeferredVerifier verifier = NewVerifier();

        for (ulong ver = 1; ver <= 20; ver++)
            verifier.Enqueue(publisher, "braid/agent/dev-1/data", (long)ver, Readings.Datagram(ver % 10 == 0 ? impostor : device, ver), device.PublicKey);
        verifier.Complete();
        await verifier.Completion.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(18, _metrics.DeferredVerdicts(DeferredVerdict.Good));
        Assert.Equal(2, _metrics.DeferredVerdicts(DeferredVerdict.BadSignature));
        Assert.Equal(2, _rejections.Count(RejectReason.BadSignature));
    }

    /// <summary>The nice values of this process's threads with the given name (/proc/self/task/TID/comm).</summary>
    private static int[] NicesOfThreadsNamed(string name) =>
        [.. Directory.GetDirectories("/proc/self/task")
            .Where(task => ReadOrEmpty(Path.Combine(task, "comm")).TrimEnd('\n') == name)
            .Select(task =>
            {
                // "TID (comm) state ppid …": the fields after the name start at field 3, so nice (field 19) is the 17th.
                string stat = ReadOrEmpty(Path.Combine(task, "stat"));
                return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16], System.Globalization.CultureInfo.InvariantCulture);
            })];

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return ""; // The thread ended meanwhile.
        }
    }
}
