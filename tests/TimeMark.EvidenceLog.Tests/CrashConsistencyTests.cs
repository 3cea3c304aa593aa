using System.Diagnostics;
using System.Globalization;
using NSec.Cryptography;
using Xunit.Abstractions;

namespace TimeMark.EvidenceLog.Tests;

/// <summary>
/// Issue 3, "Crash consistency with a real process": a child appends as fast as it can and prints each index once its
/// append completed; the test kills it with SIGKILL at random moments, reopens the store and checks that every printed
/// index is present with the same leaf hash, that the store opens (no holes, hashes consistent), and that every
/// checkpoint the child saw stored is consistent with the new tree. Run on every store (<see cref="SqliteCrashConsistencyTests"/>,
/// <see cref="PostgresCrashConsistencyTests"/>); on PostgreSQL only the client process dies, the server keeps running.
/// </summary>
public abstract class CrashConsistencyTests(ITestOutputHelper output)
{
    private const int Rounds = 12;

    private protected abstract StoreFixture CreateFixture();

    [Fact]
    public async Task Kill_AtRandomMoments_EveryAcknowledgedEntryAndCheckpointSurvives()
    {
        using StoreFixture fixture = CreateFixture();
        byte[] seed = new byte[32];
        new Random(3).NextBytes(seed);
        using Key key = Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey);
        NoteVerifier verifier = new NoteSigner(LogFixture.Origin, key).Verifier;
        var random = new Random(11);
        var acknowledged = new Dictionary<long, string>();
        var checkpoints = new List<Checkpoint>();

        for (int round = 0; round < Rounds; round++)
        {
            (List<string> lines, long killedAfterMs) = await RunAndKillAsync(fixture, Convert.ToHexString(seed), random.Next(50, 500));

            foreach (string line in lines)
            {
                if (line.StartsWith("I ", StringComparison.Ordinal))
                {
                    string[] parts = line.Split(' ');
                    acknowledged[long.Parse(parts[1], CultureInfo.InvariantCulture)] = parts[2];
                }
                else if (line.StartsWith("C ", StringComparison.Ordinal))
                {
                    Assert.True(SignedNote.TryParse(Convert.FromBase64String(line[2..]), out SignedNote? note, out _));
                    Assert.True(note.Verify([verifier]));
                    Assert.True(Checkpoint.TryParse(note.Text, out Checkpoint? checkpoint, out _));
                    checkpoints.Add(checkpoint);
                }
            }

            // Opening runs the store's consistency checks; a torn write would fail here.
            using LogStore store = await fixture.OpenStoreAsync();
            long size = store.TreeSize;
            output.WriteLine($"round {round}: killed after {killedAfterMs} ms, {acknowledged.Count} acknowledged, tree size {size}, {checkpoints.Count} checkpoints seen");
            Assert.True(acknowledged.Count == 0 || acknowledged.Keys.Max() < size, $"round {round}: an acknowledged index is beyond the tree size {size}");

            foreach ((long index, string leafHash) in acknowledged.Where(a => a.Key >= size - 2000))
            {
                Assert.Equal(leafHash, MerkleHash.Leaf(await store.ReadEntryAsync(index)).ToString());
            }

            Hash root = await store.ReadTreeHashAsync(size);
            foreach (Checkpoint checkpoint in checkpoints)
            {
                Assert.True(checkpoint.TreeSize <= size, $"round {round}: checkpoint of size {checkpoint.TreeSize} beyond tree size {size}");
                ConsistencyProof proof = await store.ProveConsistencyAsync(checkpoint.TreeSize, size);
                Assert.True(ConsistencyProof.Verify(checkpoint.TreeSize, size, proof.Path.AsSpan(), checkpoint.RootHash, root), $"round {round}: checkpoint {checkpoint.TreeSize} is not consistent with tree {size}");
            }
        }

        // Every acknowledged entry, across all rounds, with its leaf hash.
        using LogStore final = await fixture.OpenStoreAsync();
        foreach ((long index, string leafHash) in acknowledged)
        {
            Assert.Equal(leafHash, MerkleHash.Leaf(await final.ReadEntryAsync(index)).ToString());
        }

        Assert.NotEmpty(acknowledged);
    }

    // Starts the child, waits for its first acknowledged append, lets it run for delayMs, then SIGKILLs it.
    private static async Task<(List<string> Lines, long KilledAfterMs)> RunAndKillAsync(StoreFixture fixture, string seedHex, int delayMs)
    {
        string assembly = typeof(CrashChild).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "exec", assembly, CrashChild.Verb, fixture.Database, seedHex })
        {
            start.ArgumentList.Add(argument);
        }

        if (fixture.LogName is { } logName)
        {
            start.ArgumentList.Add(logName);
        }

        var lines = new List<string>();
        var firstAppend = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Text.StringBuilder();
        using var child = new Process { StartInfo = start };
        child.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (lines)
            {
                lines.Add(e.Data);
            }

            if (e.Data.StartsWith("I ", StringComparison.Ordinal))
            {
                firstAppend.TrySetResult();
            }
        };
        child.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        Assert.True(child.Start());
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();

        Task exited = child.WaitForExitAsync();
        Task first = await Task.WhenAny(firstAppend.Task, exited).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(first == firstAppend.Task, $"the child exited before appending: {errors}");

        // The kill moment is what is random here; nothing waits for a condition with this delay.
        var stopwatch = Stopwatch.StartNew();
        await Task.Delay(delayMs);
        child.Kill(); // SIGKILL on Unix: no finally blocks, no flush, no checkpoint at shutdown.
        await exited.WaitAsync(TimeSpan.FromSeconds(30));
        child.WaitForExit(); // Drains the redirected output: every line printed before the kill.
        lock (lines)
        {
            return ([.. lines], stopwatch.ElapsedMilliseconds);
        }
    }
}
