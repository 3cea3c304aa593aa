using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using TimeMark.Broker.Access;
using TimeMark.Broker.Clock;
using TimeMark.Broker.Devices;
using TimeMark.Broker.Hosting;
using TimeMark.Broker.Metrics;
using TimeMark.Broker.Pipeline;
using TimeMark.EvidenceLog;
using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;

namespace TimeMark.Bench.Broker;

/// <summary>
/// The broker's per-message path without MQTT: <see cref="TimeMarker.MarkAsync"/> with a real SQLite evidence
/// log, C concurrent "connections" each marking its device's pre-signed datagrams in order with at most WINDOW
/// waiting for the log, as the publish hook pipelines QoS 0 and 1 (WINDOW 1: one at a time, as at QoS 2).
/// Prints msg/s and this process's CPU µs per message, which, next to the broker's figure from brokers.sh,
/// splits the cost between the pipeline and MQTTnet.
/// </summary>
/// <remarks>usage: broker-pipeline [MESSAGES_PER_CONNECTION] [CONNECTIONS] [Full|Deferred] [WINDOW]</remarks>
public static class PipelineLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        int messages = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
        int connections = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8;
        DeviceVerification verification = args.Length > 2 ? Enum.Parse<DeviceVerification>(args[2]) : DeviceVerification.Full;
        int window = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 64;

        string root = Directory.CreateTempSubdirectory("timemark-pipeline-").FullName;
        try
        {
            string devices = Path.Combine(root, "devices");
            Directory.CreateDirectory(devices);
            var payloads = new byte[connections][][];
            for (int c = 0; c < connections; c++)
            {
                using SigningKey key = SigningKey.Generate(KeyAlgorithm.EcdsaP256);
                await File.WriteAllTextAsync(Path.Combine(devices, $"bench-{c + 1:D4}.pem"), key.PublicKey.ExportPem());
                payloads[c] = [.. Enumerable.Range(1, messages).Select(ver => DatagramWriter.Write(new DatagramContent
                {
                    Ts = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds(), Ver = (ulong)ver, Action = 3,
                    Body = Convert.FromHexString("a46474656d70fb4035800000000000636875641828657072657373fa447a0000646d6f6465666e6f726d616c"),
                }, key, indefiniteLength: true))];
            }

            using BrokerKeys keys = BrokerKeys.LoadOrCreate(Path.Combine(root, "data"), "", NullLogger.Instance);
            await using LogAppender log = await LogAppender.StartAsync(new LogAppenderOptions
            {
                Database = Path.Combine(root, "data", "log.db"), Origin = keys.LogSigner.Name,
            }, keys.LogSigner);
            using var registry = new DeviceRegistry(devices, NullLogger<DeviceRegistry>.Instance);
            var metrics = new BrokerMetrics();
            var rejections = new RejectionRecorder(TimeProvider.System, NullLogger<RejectionRecorder>.Instance);
            DeferredVerifier? deferred = verification == DeviceVerification.Deferred
                ? new DeferredVerifier(rejections, metrics, NullLogger<DeferredVerifier>.Instance) : null;
            var marker = new TimeMarker(new AccessPolicy([]), registry, new DeviceActivityTable(),
                new IngestionClock(TimeProvider.System, NullLogger<IngestionClock>.Instance), log, keys.TimeMark, MarkingPolicy.Strict,
                rejections, metrics, TimeProvider.System, NullLogger<TimeMarker>.Instance, deferred);

            TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            long start = Stopwatch.GetTimestamp();
            long refused = 0;
            void Count(PublishOutcome outcome)
            {
                if (!outcome.IsForwarded)
                    Interlocked.Increment(ref refused);
            }

            await Task.WhenAll(Enumerable.Range(0, connections).Select(c => Task.Run(async () =>
            {
                var publisher = new ClientIdentity($"bench-{c + 1:D4}", IsAgent: true);
                string topic = $"braid/agent/{publisher.Name}/shadow/reported/";
                // MarkAsync runs synchronously up to its wait for the log, so the order of calls is the publisher's order.
                var waiting = new Queue<Task<PublishOutcome>>(window);
                foreach (byte[] payload in payloads[c])
                {
                    if (waiting.Count == window)
                        Count(await waiting.Dequeue());
                    waiting.Enqueue(marker.MarkAsync(new PublishRequest(publisher, topic, payload), CancellationToken.None).AsTask());
                }
                while (waiting.Count > 0)
                    Count(await waiting.Dequeue());
            })));
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (deferred is not null)
            {
                deferred.Complete();
                await deferred.Completion;
            }
            double allSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            long total = (long)connections * messages;
            Console.WriteLine(FormattableString.Invariant(
                $"{{\"verification\":\"{verification}\",\"connections\":{connections},\"window\":{window},\"messages\":{total},\"refused\":{refused},\"marked_per_second\":{total / seconds:F0},\"seconds_until_verified\":{allSeconds:F3},\"cpu_us_per_message\":{cpu.TotalMicroseconds / total:F1},\"allocated_bytes_per_message\":{allocated / total},\"mean_durability_ms\":{metrics.Durability.Mean * 1000:F2},\"deferred_good\":{metrics.DeferredVerdicts(DeferredVerdict.Good)},\"deferred_skipped\":{metrics.DeferredVerdicts(DeferredVerdict.Skipped)}}}"));
            return refused == 0 ? 0 : 1;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
