using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;

namespace TimeMark.Bench.Broker;

/// <summary>
/// A load generator for any MQTT v5 broker, on raw sockets (<see cref="RawMqtt"/>): P publishers (agents
/// bench-0001…) send M signed ~200-byte BRAID datagrams each at QoS 0 or 1, one subscriber counts what arrives.
/// Every datagram is signed and framed before the clock starts, so the generator does no crypto and no
/// encoding during the run. Prints one JSON line.
/// </summary>
/// <remarks>
/// usage: broker-load HOST PORT PUBLISHERS MESSAGES QOS DEVICES_DIR [--user NAME] [--pid BROKER_PID] [--rate MSG_PER_S] [--window N]
/// <list type="bullet">
/// <item>Without --rate: saturation, every publisher sends as fast as the broker takes (QoS 1: up to --window
/// unacknowledged PUBLISHes, default 64, never more than the broker's Receive Maximum).</item>
/// <item>With --rate: open loop at that total rate, one pacing thread writing what is due for every publisher each
/// millisecond; latency is measured from each message's scheduled send time to
/// its delivery, so a stalled broker cannot hide its delay (no coordinated omission). send_lag_ms_* says how late
/// the generator itself wrote each message (pacing granularity, waits for QoS 1 acknowledgements, the CPU it
/// shares with the broker): that much of the latency arises before the broker is involved. sent_to_delivered_ms_*
/// is each message's latency from the moment it was written instead: what the broker and the subscriber's side
/// add, but blind to a broker that stalls the generator's writes, so the scheduled-time figure is the one to judge.</item>
/// <item>With --pid: the broker's CPU time (utime + stime from /proc/PID/stat) over the run, per delivered message,
/// and its peak RSS (VmHWM from /proc/PID/status; the peak over the process's life so far).</item>
/// </list>
/// DEVICES_DIR receives the agents' public keys ({ID}.pem), for a TimeMark broker's devices folder.
/// </remarks>
public static class BrokerLoad
{
    /// <summary>After the last send, how long deliveries may pause before the rest counts as lost.</summary>
    private static readonly TimeSpan DeliveryStall = TimeSpan.FromSeconds(20);

    private const string TopicPrefix = "braid/agent/bench-";

    public static async Task<int> RunAsync(string[] args)
    {
        var endpoint = new IPEndPoint(IPAddress.Parse(args[0]), int.Parse(args[1], CultureInfo.InvariantCulture));
        int publishers = int.Parse(args[2], CultureInfo.InvariantCulture);
        int messages = int.Parse(args[3], CultureInfo.InvariantCulture);
        int qos = int.Parse(args[4], CultureInfo.InvariantCulture);
        string devices = args[5];
        string? user = Option(args, "--user");
        int? pid = Option(args, "--pid") is string p ? int.Parse(p, CultureInfo.InvariantCulture) : null;
        double rate = Option(args, "--rate") is string r ? double.Parse(r, CultureInfo.InvariantCulture) : 0;
        int window = Option(args, "--window") is string w ? int.Parse(w, CultureInfo.InvariantCulture) : 64;

        Directory.CreateDirectory(devices);
        var packets = new byte[publishers][][];
        await Task.WhenAll(Enumerable.Range(0, publishers).Select(publisher => Task.Run(async () =>
        {
            using SigningKey key = SigningKey.Generate(KeyAlgorithm.EcdsaP256);
            await File.WriteAllTextAsync(Path.Combine(devices, AgentId(publisher) + ".pem"), key.PublicKey.ExportPem());
            byte[] topic = Encoding.UTF8.GetBytes($"{TopicPrefix}{publisher + 1:D4}/shadow/reported/");
            packets[publisher] = [.. Enumerable.Range(0, messages).Select(i =>
                RawMqtt.PublishPacket(topic, Datagram(key, (ulong)i + 1), qos, (ushort)(i % 65_535 + 1)))];
        })));

        // Send times (Stopwatch ticks) by publisher and message; delivery counts per publisher give the message's
        // number, because one publisher's messages on one topic arrive in order (MQTT v5 §4.6).
        var sent = new long[publishers][];
        for (int i = 0; i < publishers; i++)
            sent[i] = new long[messages];
        var latencies = new long[(long)publishers * messages];
        var afterSend = new long[latencies.Length];
        var sendLags = new long[publishers][];
        for (int i = 0; i < publishers; i++)
            sendLags[i] = new long[messages];
        long delivered = 0, refused = 0;
        long lastDelivery = Stopwatch.GetTimestamp();
        var allDelivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long expected = (long)publishers * messages;

        await using RawMqtt subscriber = await RawMqtt.ConnectAsync(endpoint, "bench-subscriber", user);
        await subscriber.SubscribeAsync("braid/#", qos);
        var connections = new RawMqtt[publishers];
        for (int i = 0; i < publishers; i++)
            connections[i] = await RawMqtt.ConnectAsync(endpoint, AgentId(i), null);
        window = Math.Max(1, Math.Min(window, connections.Min(c => c.ReceiveMaximum)));

        Task receiving = Task.Run(() => ReceiveAsync(subscriber, sent, sendLags, latencies, afterSend, () =>
        {
            Volatile.Write(ref lastDelivery, Stopwatch.GetTimestamp());
            if (Interlocked.Increment(ref delivered) == expected)
                allDelivered.TrySetResult();
        }));

        TimeSpan cpuBefore = pid is int id ? BrokerCpu(id) : default;
        TimeSpan ownCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        long start = Stopwatch.GetTimestamp();
        Publisher[] senders = [.. Enumerable.Range(0, publishers).Select(i => new Publisher(connections[i], packets[i], sent[i], sendLags[i]))];
        Task acknowledged = qos == 0 ? Task.CompletedTask
            : Task.WhenAll(senders.Select(sender => Task.Run(() => ReadAcksAsync(sender, () => Interlocked.Increment(ref refused)))));
        if (rate > 0)
            await Task.Factory.StartNew(() => PaceAll(senders, qos, window, rate / publishers, start), TaskCreationOptions.LongRunning);
        else
            await Task.WhenAll(senders.Select(sender => Task.Run(() => SaturateAsync(sender, qos, window))));
        await acknowledged;
        foreach (Publisher sender in senders)
            sender.Dispose();
        double publishSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        while (!allDelivered.Task.IsCompleted && Stopwatch.GetElapsedTime(Volatile.Read(ref lastDelivery)) < DeliveryStall)
            await Task.WhenAny(allDelivered.Task, Task.Delay(200));
        double seconds = (Volatile.Read(ref lastDelivery) - start) / (double)Stopwatch.Frequency;
        // Work the broker does after forwarding (a deferred verification backlog, log commits) is part of each message's cost.
        TimeSpan cpuAfter = pid is int id2 ? await CpuOnceIdleAsync(id2) : default;
        TimeSpan ownCpu = Process.GetCurrentProcess().TotalProcessorTime - ownCpuBefore;

        foreach (RawMqtt connection in connections)
            await connection.DisposeAsync();
        long received = Interlocked.Read(ref delivered);

        long[] measured = latencies[..(int)Math.Min(received, latencies.Length)];
        Array.Sort(measured);
        long[] measuredAfterSend = afterSend[..measured.Length];
        Array.Sort(measuredAfterSend);
        long[] lags = [.. sendLags.SelectMany(lag => lag)];
        Array.Sort(lags);
        static double Milliseconds(long[] sorted, double q) => sorted.Length == 0 ? 0
            : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)] * 1000d / Stopwatch.Frequency;
        double Percentile(double q) => Milliseconds(measured, q);
        var json = new StringBuilder(FormattableString.Invariant(
            $"{{\"publishers\":{publishers},\"messages\":{expected},\"qos\":{qos},\"window\":{window},\"rate\":{rate:F0},\"delivered\":{received},\"lost\":{expected - received - refused},\"refused\":{refused},\"publish_seconds\":{publishSeconds:F3},\"seconds\":{seconds:F3},\"delivered_per_second\":{received / seconds:F0}"));
        json.Append(FormattableString.Invariant($",\"latency_ms_p50\":{Percentile(0.50):F2},\"latency_ms_p99\":{Percentile(0.99):F2},\"latency_ms_p999\":{Percentile(0.999):F2}"));
        json.Append(FormattableString.Invariant($",\"send_lag_ms_p50\":{Milliseconds(lags, 0.50):F2},\"send_lag_ms_p99\":{Milliseconds(lags, 0.99):F2}"));
        json.Append(FormattableString.Invariant(
            $",\"sent_to_delivered_ms_p50\":{Milliseconds(measuredAfterSend, 0.50):F2},\"sent_to_delivered_ms_p99\":{Milliseconds(measuredAfterSend, 0.99):F2},\"sent_to_delivered_ms_p999\":{Milliseconds(measuredAfterSend, 0.999):F2}"));
        json.Append(FormattableString.Invariant($",\"generator_cpu_us_per_message\":{ownCpu.TotalMicroseconds / Math.Max(received, 1):F1}"));
        if (pid is int id3)
        {
            json.Append(FormattableString.Invariant($",\"broker_cpu_us_per_message\":{(cpuAfter - cpuBefore).TotalMicroseconds / Math.Max(received, 1):F1}"));
            json.Append(FormattableString.Invariant($",\"broker_peak_rss_mib\":{ProcStatusKib(id3, "VmHWM:") / 1024d:F1},\"broker_rss_mib\":{ProcStatusKib(id3, "VmRSS:") / 1024d:F1}"));
        }
        json.Append('}');
        Console.WriteLine(json);
        return received + refused == expected ? 0 : 1;
    }

    /// <summary>One publisher: its packets, when each was due and when it was written, and what the broker acknowledged.</summary>
    private sealed class Publisher(RawMqtt connection, byte[][] packets, long[] sent, long[] sendLag) : IDisposable
    {
        public RawMqtt Connection { get; } = connection;
        public byte[][] Packets { get; } = packets;

        /// <summary>The next packet to write; only its sender touches it.</summary>
        public int Next { get; private set; }

        /// <summary>PUBACKs read so far (Interlocked), and a signal for each read that brought some.</summary>
        public long Acked;
        public SemaphoreSlim AckSignal { get; } = new(0);

        /// <summary>How many packets may be written now: at QoS 1 never more than <paramref name="window"/> unacknowledged.</summary>
        public int Allowed(int due, int qos, int window) => qos == 0 ? due : (int)Math.Min(due, Interlocked.Read(ref Acked) + window);

        /// <summary>Copies packets Next..due-1 into <paramref name="batch"/> (as many as fit), records their times; returns the length.</summary>
        public int Take(int due, byte[] batch, long now, long start, double ticksPerMessage)
        {
            int length = 0;
            while (Next < due && length + Packets[Next].Length <= batch.Length)
            {
                Packets[Next].CopyTo(batch, length);
                length += Packets[Next].Length;
                sent[Next] = ticksPerMessage > 0 ? start + (long)(Next * ticksPerMessage) : now;
                sendLag[Next] = now - sent[Next];
                Next++;
            }
            return length;
        }

        public void Dispose() => AckSignal.Dispose();
    }

    /// <summary>Saturation: one publisher writes everything as fast as the broker takes it (QoS 1: within the window).</summary>
    private static async Task SaturateAsync(Publisher publisher, int qos, int window)
    {
        var batch = new byte[64 * 1024];
        while (publisher.Next < publisher.Packets.Length)
        {
            int due = publisher.Allowed(publisher.Packets.Length, qos, window);
            if (due <= publisher.Next)
            {
                await publisher.AckSignal.WaitAsync();
                continue;
            }
            int length = publisher.Take(due, batch, Stopwatch.GetTimestamp(), 0, 0);
            await publisher.Connection.SendAsync(batch.AsMemory(0, length));
        }
    }

    /// <summary>
    /// A fixed rate: one thread writes what is due for every publisher, then sleeps a millisecond. One pacer, not a
    /// timer per publisher, so the generator's own wake-ups (and the CPU it takes from the broker) do not grow with
    /// the number of publishers. A publisher held back by its QoS 1 window falls behind, which its send lag shows.
    /// </summary>
    private static void PaceAll(Publisher[] publishers, int qos, int window, double ratePerPublisher, long start)
    {
        var batch = new byte[64 * 1024];
        double ticksPerMessage = Stopwatch.Frequency / ratePerPublisher;
        while (true)
        {
            bool done = true;
            foreach (Publisher publisher in publishers)
            {
                if (publisher.Next == publisher.Packets.Length)
                    continue;
                done = false;
                long now = Stopwatch.GetTimestamp();
                int scheduled = (int)Math.Min(publisher.Packets.Length, (now - start) / ticksPerMessage + 1);
                int due = publisher.Allowed(scheduled, qos, window);
                if (due > publisher.Next)
                    publisher.Connection.Send(batch.AsSpan(0, publisher.Take(due, batch, now, start, ticksPerMessage)));
            }
            if (done)
                return;
            Thread.Sleep(1);
        }
    }

    /// <summary>Reads one publisher's PUBACKs, counting refusals (reason code 0x80 or above).</summary>
    private static async Task ReadAcksAsync(Publisher publisher, Action refused)
    {
        while (Interlocked.Read(ref publisher.Acked) < publisher.Packets.Length)
        {
            (byte type, ReadOnlyMemory<byte> body) = await publisher.Connection.ReadPacketAsync();
            int count = 0;
            while (true)
            {
                if (type >> 4 == RawMqtt.Puback)
                {
                    count++;
                    if (body.Length > 2 && body.Span[2] >= 0x80)
                        refused();
                }
                if (!publisher.Connection.TryTakePacket(out type, out body))
                    break;
            }
            Interlocked.Add(ref publisher.Acked, count);
            publisher.AckSignal.Release();
        }
    }

    /// <summary>
    /// Reads deliveries: counts them per publisher, takes their latency from the scheduled send time and from the moment the
    /// generator wrote the message, acknowledges QoS 1 ones in one write per read.
    /// </summary>
    private static async Task ReceiveAsync(RawMqtt subscriber, long[][] sent, long[][] sendLags, long[] latencies, long[] afterSend, Action delivered)
    {
        var counts = new int[sent.Length];
        long taken = 0;
        var acks = new byte[64 * 1024];
        try
        {
            while (await subscriber.FillAsync())
            {
                long now = Stopwatch.GetTimestamp();
                int ackLength = 0;
                while (subscriber.TryTakePacket(out byte type, out ReadOnlyMemory<byte> body))
                {
                    if (type >> 4 != RawMqtt.Publish)
                        continue;
                    (int publisher, ushort packetId) = Parse(body.Span);
                    int number = counts[publisher]++;
                    if (number < sent[publisher].Length && taken < latencies.Length)
                    {
                        latencies[taken] = now - sent[publisher][number];
                        afterSend[taken++] = now - sent[publisher][number] - sendLags[publisher][number];
                    }
                    if (((type >> 1) & 3) > 0)
                    {
                        if (ackLength + 4 > acks.Length)
                        {
                            await subscriber.SendAsync(acks.AsMemory(0, ackLength));
                            ackLength = 0;
                        }
                        RawMqtt.WritePuback(acks.AsSpan(ackLength), packetId);
                        ackLength += 4;
                    }
                    delivered();
                }
                if (ackLength > 0)
                    await subscriber.SendAsync(acks.AsMemory(0, ackLength));
            }
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // The run is over.
        }
    }

    /// <summary>The publisher (from topic braid/agent/bench-NNNN/…) and packet id of a PUBLISH body.</summary>
    private static (int Publisher, ushort PacketId) Parse(ReadOnlySpan<byte> body)
    {
        int topicLength = BinaryPrimitives.ReadUInt16BigEndian(body);
        int publisher = int.Parse(body.Slice(2 + TopicPrefix.Length, 4), CultureInfo.InvariantCulture) - 1;
        ushort packetId = body.Length >= 4 + topicLength ? BinaryPrimitives.ReadUInt16BigEndian(body[(2 + topicLength)..]) : (ushort)0;
        return (publisher, packetId);
    }

    private static string? Option(string[] args, string name)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    /// <summary>
    /// The broker's CPU time once it has gone idle: less than 5 ms of CPU in 100 ms (or 60 s have passed).
    /// </summary>
    private static async Task<TimeSpan> CpuOnceIdleAsync(int pid)
    {
        TimeSpan last = BrokerCpu(pid);
        for (int i = 0; i < 600; i++)
        {
            await Task.Delay(100);
            TimeSpan now = BrokerCpu(pid);
            if (now - last < TimeSpan.FromMilliseconds(5))
                return now;
            last = now;
        }
        return last;
    }

    /// <summary>utime + stime of a process, from /proc/PID/stat (fields 14 and 15, in clock ticks of 100 Hz on Linux).</summary>
    internal static TimeSpan BrokerCpu(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100d);
    }

    internal static long ProcStatusKib(int pid, string field)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        return 0;
    }

    private static string AgentId(int publisher) => FormattableString.Invariant($"bench-{publisher + 1:D4}");

    /// <summary>A reading like the BRAID firmware's: about 200 bytes once signed.</summary>
    private static byte[] Datagram(SigningKey key, ulong ver) => DatagramWriter.Write(new DatagramContent
    {
        Ts = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        Ver = ver,
        Action = 3,
        Body = Convert.FromHexString("a46474656d70fb4035800000000000636875641828657072657373fa447a0000646d6f6465666e6f726d616c"),
    }, key, indefiniteLength: true);
}
