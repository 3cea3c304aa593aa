using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;

namespace TimeMark.Bench.Broker;

/// <summary>
/// The connection-scale scenario (issue 7): N agents (idle-00001…) connect to an MQTT v5 broker with a keep-alive
/// and stay idle, sending nothing but PINGREQs; after a hold, each of the first K publishes one signed ~200-byte
/// BRAID datagram at QoS 1 while one subscriber counts the deliveries. The broker's VmRSS and VmHWM
/// (/proc/PID/status) and CPU time (utime + stime, /proc/PID/stat) are read before the agents connect, once all
/// are connected, after the hold, and after the burst. Prints one JSON line.
/// </summary>
/// <remarks>
/// usage: idle-connections HOST PORT BROKER_PID CONNECTIONS BURST DEVICES_DIR [--user NAME] [--keep-alive S] [--hold S]
///        [--first-source IPV4] [--per-source N]
/// <list type="bullet">
/// <item>DEVICES_DIR receives every agent's public key ({ID}.pem), for a TimeMark broker's devices folder: TimeMark
/// accepts an agent's CONNECT only for a registered device. Keys are made and datagrams signed before anything is
/// measured, so the generator does no crypto during the run.</item>
/// <item>Agent sockets are bound to --first-source (default 127.0.0.2), the next address, …, --per-source (default
/// 5000) each: one source address has only the ~28,000 ports of the ephemeral range, and the previous run's
/// sockets may still hold some in TIME_WAIT.</item>
/// <item>Lean on purpose, so that 20,000 connections cost the generator little: one pending receive per connection
/// (no thread), and a single timer that sends the PINGREQs, spread evenly over half the keep-alive.</item>
/// </list>
/// </remarks>
public static class IdleConnections
{
    private const byte PingResponse = 13, Disconnect = 14;

    /// <summary>CONNECTs in flight at once: enough to keep the broker's accept loop busy without overflowing its backlog.</summary>
    private const int ConnectConcurrency = 64;

    private const string AgentPrefix = "idle-";
    private const string TopicPrefix = "braid/agent/" + AgentPrefix;

    /// <summary>
    /// How long an agent may wait for its CONNACK: a broker that stopped accepting (out of descriptors, say) still has
    /// the kernel complete the TCP handshake, and the CONNECT would wait forever. A connection that completes later
    /// is simply left alone.
    /// </summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How often the ping timer fires; each tick pings the next slice of the connections.</summary>
    private static readonly TimeSpan PingTick = TimeSpan.FromMilliseconds(100);

    /// <summary>Pause before a reading, so the broker has finished the work the last step gave it.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);

    /// <summary>After the burst, how long deliveries and PUBACKs may pause before the rest counts as lost.</summary>
    private static readonly TimeSpan DeliveryStall = TimeSpan.FromSeconds(20);

    private static readonly byte[] PingRequest = [0xC0, 0x00];

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static async Task<int> RunAsync(string[] args)
    {
        var endpoint = new IPEndPoint(IPAddress.Parse(args[0]), int.Parse(args[1], CultureInfo.InvariantCulture));
        int pid = int.Parse(args[2], CultureInfo.InvariantCulture);
        int connectionCount = int.Parse(args[3], CultureInfo.InvariantCulture);
        int burst = Math.Min(connectionCount, int.Parse(args[4], CultureInfo.InvariantCulture));
        string devices = args[5];
        string? user = Option(args, "--user");
        ushort keepAlive = ushort.Parse(Option(args, "--keep-alive") ?? "30", CultureInfo.InvariantCulture);
        double hold = double.Parse(Option(args, "--hold") ?? "60", CultureInfo.InvariantCulture);
        IPAddress firstSource = IPAddress.Parse(Option(args, "--first-source") ?? "127.0.0.2");
        int perSource = int.Parse(Option(args, "--per-source") ?? "5000", CultureInfo.InvariantCulture);
        // Agent IDs have five digits, which the subscriber reads back from the topic.
        if (connectionCount is < 1 or > 99_999)
            throw new ArgumentOutOfRangeException(nameof(args), "CONNECTIONS must be 1..99999");

        Directory.CreateDirectory(devices);
        var packets = new byte[burst][];
        Parallel.For(0, connectionCount, i =>
        {
            using SigningKey key = SigningKey.Generate(KeyAlgorithm.EcdsaP256);
            File.WriteAllText(Path.Combine(devices, AgentId(i) + ".pem"), key.PublicKey.ExportPem());
            if (i < burst)
                packets[i] = RawMqtt.PublishPacket(Encoding.UTF8.GetBytes($"{TopicPrefix}{i + 1:D5}/shadow/reported/"), Datagram(key), 1, 1);
        });

        var counters = new Counters();
        var deliveries = new int[connectionCount];
        // Keep-alive 0 (none): the subscriber is not one of the measured agents, and no timer pings it.
        RawMqtt subscriber = await RawMqtt.ConnectAsync(endpoint, "idle-subscriber", user, keepAliveSeconds: 0);
        await subscriber.SubscribeAsync("braid/#", 1);
        Task receiving = Task.Run(() => ReceiveAsync(subscriber, deliveries, counters));
        // The broker has just seen CONNECTIONS key files appear in its devices folder; let that pass before the baseline.
        await Task.Delay(Settle);

        long start = Stopwatch.GetTimestamp();
        var phases = new List<Phase> { Take("start", pid, start) };

        var connections = new RawMqtt?[connectionCount];
        var readers = new Task?[connectionCount];
        using var stopPinging = new CancellationTokenSource();
        // Pinging starts with the first connection, so none waits past its keep-alive however long connecting takes.
        Task pinging = PingAsync(connections, TimeSpan.FromSeconds(keepAlive / 2d), counters, stopPinging.Token);
        (int failed, string? firstFailure) = await ConnectAllAsync(endpoint, connections, readers, keepAlive, firstSource, perSource, counters);
        double connectSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        await Task.Delay(Settle);
        phases.Add(Take("connected", pid, start));

        await Task.Delay(TimeSpan.FromSeconds(hold));
        phases.Add(Take("idle", pid, start));

        (int published, double burstSeconds) = await BurstAsync(connections, packets, counters);
        await Task.Delay(Settle);
        phases.Add(Take("burst", pid, start));

        await stopPinging.CancelAsync();
        await pinging;
        counters.Closing = true;
        foreach (RawMqtt? connection in connections)
        {
            if (connection is not null)
                await connection.DisposeAsync();
        }
        await Task.WhenAll(readers.OfType<Task>());
        await subscriber.DisposeAsync();
        await receiving;
        long delivered = Interlocked.Read(ref counters.Delivered);
        long refused = Interlocked.Read(ref counters.Refused);

        var result = new Result(
            Connections: connectionCount, Connected: connectionCount - failed, Failed: failed, FirstFailure: firstFailure,
            Dropped: Interlocked.Read(ref counters.Dropped), FirstDrop: counters.FirstDrop, KeepAlive: keepAlive, HoldSeconds: hold,
            ConnectSeconds: Math.Round(connectSeconds, 2), PingsSent: Interlocked.Read(ref counters.PingsSent),
            PingsAnswered: Interlocked.Read(ref counters.PingsAnswered), Burst: burst, Published: published,
            Delivered: delivered, Duplicates: deliveries.Sum(d => Math.Max(0, d - 1)), Refused: refused,
            Lost: published - deliveries.Count(d => d > 0) - refused, BurstSeconds: Math.Round(burstSeconds, 3), Phases: phases);
        Console.WriteLine(JsonSerializer.Serialize(result, Json));
        return failed == 0 && result.Dropped == 0 && result.Lost == 0 && refused == 0 ? 0 : 1;
    }

    /// <summary>
    /// Connects every agent, <see cref="ConnectConcurrency"/> at a time, each bound to its source address, and starts
    /// its reader; a refusal is counted (with the first reason) rather than ending the run.
    /// </summary>
    private static async Task<(int Failed, string? FirstFailure)> ConnectAllAsync(IPEndPoint endpoint, RawMqtt?[] connections, Task?[] readers,
        ushort keepAlive, IPAddress firstSource, int perSource, Counters counters)
    {
        int next = -1, failed = 0;
        string? firstFailure = null;
        await Task.WhenAll(Enumerable.Range(0, ConnectConcurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < connections.Length)
            {
                try
                {
                    RawMqtt connection = await RawMqtt.ConnectAsync(endpoint, AgentId(i), null, keepAlive, Source(firstSource, i / perSource))
                        .WaitAsync(ConnectTimeout);
                    readers[i] = ReadAsync(connection, counters);
                    Volatile.Write(ref connections[i], connection);
                }
                catch (Exception e) when (e is SocketException or InvalidOperationException or EndOfStreamException or TimeoutException)
                {
                    Interlocked.Increment(ref failed);
                    Interlocked.CompareExchange(ref firstFailure, $"{AgentId(i)}: {e.Message}", null);
                }
            }
        })));
        return (failed, firstFailure);
    }

    /// <summary>
    /// Writes every prepared PUBLISH back to back from one loop, as a fleet reporting at the same moment, then waits
    /// until each is delivered or refused and acknowledged, or nothing has moved for <see cref="DeliveryStall"/>.
    /// </summary>
    /// <returns>How many were sent, and the seconds from the first send to the last delivery or PUBACK.</returns>
    private static async Task<(int Published, double Seconds)> BurstAsync(RawMqtt?[] connections, byte[][] packets, Counters counters)
    {
        long start = Stopwatch.GetTimestamp();
        Volatile.Write(ref counters.LastProgress, start);
        int published = 0;
        for (int i = 0; i < packets.Length; i++)
        {
            if (Volatile.Read(ref connections[i]) is not RawMqtt connection)
                continue;
            try
            {
                await connection.SendAsync(packets[i]);
                published++;
            }
            catch (SocketException)
            {
                // Its reader counts the connection as dropped.
            }
        }
        while ((Interlocked.Read(ref counters.Delivered) + Interlocked.Read(ref counters.Refused) < published
                || Interlocked.Read(ref counters.Acknowledged) < published)
            && Stopwatch.GetElapsedTime(Volatile.Read(ref counters.LastProgress)) < DeliveryStall)
        {
            await Task.Delay(50);
        }
        return (published, (Volatile.Read(ref counters.LastProgress) - start) / (double)Stopwatch.Frequency);
    }

    /// <summary>
    /// Sends every connection a PINGREQ once per <paramref name="interval"/> (half the keep-alive), a slice per tick
    /// of one timer, so the pings reach the broker as an even trickle rather than in waves.
    /// </summary>
    private static async Task PingAsync(RawMqtt?[] connections, TimeSpan interval, Counters counters, CancellationToken stop)
    {
        int perTick = (int)Math.Ceiling(connections.Length * (PingTick / interval));
        using var timer = new PeriodicTimer(PingTick);
        int cursor = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                for (int k = 0; k < perTick; k++, cursor = (cursor + 1) % connections.Length)
                {
                    if (Volatile.Read(ref connections[cursor]) is not RawMqtt connection)
                        continue;
                    try
                    {
                        await connection.SendAsync(PingRequest);
                        Interlocked.Increment(ref counters.PingsSent);
                    }
                    catch (SocketException)
                    {
                        // Its reader counts the connection as dropped.
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }
    }

    /// <summary>One agent's side of the connection: PINGRESPs and PUBACKs counted, a close by the broker recorded.</summary>
    private static async Task ReadAsync(RawMqtt connection, Counters counters)
    {
        try
        {
            while (true)
            {
                (byte type, ReadOnlyMemory<byte> body) = await connection.ReadPacketAsync();
                switch (type >> 4)
                {
                    case PingResponse:
                        Interlocked.Increment(ref counters.PingsAnswered);
                        break;
                    case RawMqtt.Puback:
                        if (body.Length > 2 && body.Span[2] >= 0x80)
                            Interlocked.Increment(ref counters.Refused);
                        Interlocked.Increment(ref counters.Acknowledged);
                        Volatile.Write(ref counters.LastProgress, Stopwatch.GetTimestamp());
                        break;
                    case Disconnect:
                        Interlocked.CompareExchange(ref counters.FirstDrop, $"DISCONNECT reason {(body.Length > 0 ? body.Span[0] : 0):x2}", null);
                        break;
                }
            }
        }
        catch (Exception e) when (e is EndOfStreamException or SocketException or ObjectDisposedException)
        {
            if (!counters.Closing)
            {
                Interlocked.Increment(ref counters.Dropped);
                Interlocked.CompareExchange(ref counters.FirstDrop, e.Message, null);
            }
        }
    }

    /// <summary>Counts deliveries per agent (so duplicates show) and acknowledges them, one write per read.</summary>
    private static async Task ReceiveAsync(RawMqtt subscriber, int[] deliveries, Counters counters)
    {
        var acks = new byte[64 * 1024];
        try
        {
            while (await subscriber.FillAsync())
            {
                int ackLength = 0;
                while (subscriber.TryTakePacket(out byte type, out ReadOnlyMemory<byte> body))
                {
                    if (type >> 4 != RawMqtt.Publish)
                        continue;
                    int topicLength = BinaryPrimitives.ReadUInt16BigEndian(body.Span);
                    deliveries[int.Parse(body.Span.Slice(2 + TopicPrefix.Length, 5), CultureInfo.InvariantCulture) - 1]++;
                    if (ackLength + 4 > acks.Length)
                    {
                        await subscriber.SendAsync(acks.AsMemory(0, ackLength));
                        ackLength = 0;
                    }
                    RawMqtt.WritePuback(acks.AsSpan(ackLength), BinaryPrimitives.ReadUInt16BigEndian(body.Span[(2 + topicLength)..]));
                    ackLength += 4;
                    Interlocked.Increment(ref counters.Delivered);
                    Volatile.Write(ref counters.LastProgress, Stopwatch.GetTimestamp());
                }
                if (ackLength > 0)
                    await subscriber.SendAsync(acks.AsMemory(0, ackLength));
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The run is over.
        }
    }

    private static Phase Take(string name, int pid, long start) => new(
        name, Math.Round(Stopwatch.GetElapsedTime(start).TotalSeconds, 1),
        Math.Round(BrokerLoad.ProcStatusKib(pid, "VmRSS:") / 1024d, 1), Math.Round(BrokerLoad.ProcStatusKib(pid, "VmHWM:") / 1024d, 1),
        Math.Round(BrokerLoad.BrokerCpu(pid).TotalSeconds, 2), Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length,
        Math.Round(BrokerLoad.ProcStatusKib(Environment.ProcessId, "VmRSS:") / 1024d, 1),
        Math.Round(Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, 2));

    /// <summary>The <paramref name="index"/>th IPv4 address after <paramref name="first"/>.</summary>
    private static IPAddress Source(IPAddress first, int index)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, BinaryPrimitives.ReadUInt32BigEndian(first.GetAddressBytes()) + (uint)index);
        return new IPAddress(bytes);
    }

    private static string AgentId(int index) => FormattableString.Invariant($"{AgentPrefix}{index + 1:D5}");

    private static string? Option(string[] args, string name)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    /// <summary>A reading like the BRAID firmware's: about 200 bytes once signed; VER 1, as the agent's first message.</summary>
    private static byte[] Datagram(SigningKey key) => DatagramWriter.Write(new DatagramContent
    {
        Ts = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        Ver = 1,
        Action = 3,
        Body = Convert.FromHexString("a46474656d70fb4035800000000000636875641828657072657373fa447a0000646d6f6465666e6f726d616c"),
    }, key, indefiniteLength: true);

    /// <summary>Shared by the readers, the ping timer and the subscriber; fields so that Interlocked can update them.</summary>
    private sealed class Counters
    {
        public long PingsSent, PingsAnswered, Acknowledged, Refused, Delivered, Dropped, LastProgress;
        public string? FirstDrop;
        public volatile bool Closing;
    }

    /// <summary>
    /// One reading: the broker's memory, cumulative CPU time and open descriptors (which ulimit -n bounds), and the
    /// generator's memory and CPU time, to show it stayed lean.
    /// </summary>
    private sealed record Phase(string Name, double AtSeconds, double RssMib, double HwmMib, double CpuSeconds, int Fds, double GeneratorRssMib,
        double GeneratorCpuSeconds);

    private sealed record Result(int Connections, int Connected, int Failed, string? FirstFailure, long Dropped, string? FirstDrop,
        int KeepAlive, double HoldSeconds, double ConnectSeconds, long PingsSent, long PingsAnswered, int Burst, int Published,
        long Delivered, int Duplicates, long Refused, long Lost, double BurstSeconds, List<Phase> Phases);
}
