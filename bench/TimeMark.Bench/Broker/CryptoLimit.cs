using System.Diagnostics;
using System.Globalization;
using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;

namespace TimeMark.Bench.Broker;

/// <summary>
/// The crypto limit of this machine's cores for the full TimeMark path: one ECDSA P-256 verification of a
/// device datagram plus one Ed25519 time-mark signature per message, timed on one thread, and the rate
/// 1 / (verify + sign) times the cores. Prints one JSON line; brokers.sh runs it in the same run as the brokers.
/// </summary>
/// <remarks>usage: crypto-limit [ITERATIONS] [CORES]</remarks>
public static class CryptoLimit
{
    public static int Run(string[] args)
    {
        int iterations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 4000;
        int cores = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : Environment.ProcessorCount;
        using SigningKey device = SigningKey.Generate(KeyAlgorithm.EcdsaP256);
        using SigningKey broker = SigningKey.Generate(KeyAlgorithm.Ed25519);
        byte[] bytes = DatagramWriter.Write(new DatagramContent
        {
            Ts = 1_700_000_000,
            Ver = 1,
            Action = 3,
            Body = Convert.FromHexString("a46474656d70fb4035800000000000636875641828657072657373fa447a0000646d6f6465666e6f726d616c"),
        }, device, indefiniteLength: true);
        if (!DatagramReader.TryRead(bytes, out Datagram datagram, out _))
            throw new InvalidOperationException("crypto-limit: the sample datagram does not read back");
        var marked = new byte[DatagramMarker.MarkedLength(datagram, 1_700_000_000_000, 1_000_000)];

        // Warm up both paths, then time each alone: the median of 5 rounds.
        double Time(Action action)
        {
            for (int i = 0; i < iterations / 10; i++)
                action();
            var rounds = new double[5];
            for (int r = 0; r < rounds.Length; r++)
            {
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < iterations; i++)
                    action();
                rounds[r] = Stopwatch.GetElapsedTime(start).TotalMicroseconds / iterations;
            }
            Array.Sort(rounds);
            return rounds[2];
        }

        double verify = Time(() =>
        {
            if (!DatagramVerifier.VerifyDeviceSignature(datagram, device.PublicKey))
                throw new InvalidOperationException("crypto-limit: SIGN does not verify");
        });
        double sign = Time(() => DatagramMarker.Mark(datagram, 1_700_000_000_000, 1_000_000, broker, marked));
        Console.WriteLine(FormattableString.Invariant(
            $"{{\"p256_verify_us\":{verify:F1},\"ed25519_mark_us\":{sign:F1},\"cores\":{cores},\"full_path_limit_per_second\":{cores * 1e6 / (verify + sign):F0},\"mark_only_limit_per_second\":{cores * 1e6 / sign:F0}}}"));
        return 0;
    }
}
