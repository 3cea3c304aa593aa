using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using NSec.Cryptography;
using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;

namespace TimeMark.Bench.Protocol;

/// <summary>
/// The per-message protocol work next to the raw crypto it wraps, so the
/// overhead reads as a ratio: verify a device datagram vs. one bare signature
/// check over the same bytes, mark vs. one bare Ed25519 signature.
/// In-process, so no generated project has to restore under the repository's
/// locked-mode settings.
/// </summary>
[MemoryDiagnoser]
[InProcess]
public class DatagramBenchmarks
{
    private readonly SigningKey _p256 = SigningKey.Generate(KeyAlgorithm.EcdsaP256);
    private readonly SigningKey _ed25519 = SigningKey.Generate(KeyAlgorithm.Ed25519);
    private readonly SigningKey _broker = SigningKey.Generate(KeyAlgorithm.Ed25519);
    private readonly ECDsa _rawP256 = ECDsa.Create();
    private readonly PublicKey _rawEd25519Public;
    private readonly Key _rawBroker = Key.Create(SignatureAlgorithm.Ed25519);

    private byte[] _p256Datagram = [];
    private byte[] _ed25519Datagram = [];
    private byte[] _p256SigningInput = [];
    private byte[] _p256Sign = [];
    private byte[] _ed25519SigningInput = [];
    private byte[] _ed25519Sign = [];
    private byte[] _markedBuffer = [];
    private readonly byte[] _rawSignature = new byte[64];

    public DatagramBenchmarks() =>
        _rawEd25519Public = PublicKey.Import(SignatureAlgorithm.Ed25519, _ed25519.PublicKey.ExportRawEd25519(), KeyBlobFormat.RawPublicKey);

    [GlobalSetup]
    public void Setup()
    {
        // A typical BRAID reading: about 200 bytes once signed.
        byte[] body = Convert.FromHexString(
            "a56474656d70fb4035800000000000636875641828657072657373fa447a0000646d6f6465666e6f726d616c6673656e736f72a2626964190539646e616d65676261726e2d3031");
        var content = new DatagramContent { Ts = 1_700_000_000, Ver = 42, Action = 3, Body = body };
        _p256Datagram = DatagramWriter.Write(content, _p256, indefiniteLength: true);
        _ed25519Datagram = DatagramWriter.Write(content, _ed25519, indefiniteLength: true);
        _rawP256.ImportSubjectPublicKeyInfo(_p256.PublicKey.ExportSubjectPublicKeyInfo(), out _);

        DatagramReader.TryRead(_p256Datagram, out Datagram p256, out _);
        _p256SigningInput = DatagramVerifier.SigningInputFor(p256, DatagramField.Sign);
        _p256Sign = p256.Sign.ToArray();
        DatagramReader.TryRead(_ed25519Datagram, out Datagram ed25519, out _);
        _ed25519SigningInput = DatagramVerifier.SigningInputFor(ed25519, DatagramField.Sign);
        _ed25519Sign = ed25519.Sign.ToArray();
        _markedBuffer = new byte[DatagramMarker.MarkedLength(ed25519, 1_700_000_000_123, 1_000_000)];
    }

    [Benchmark(Description = "read 200-byte datagram")]
    public bool Read() => DatagramReader.TryRead(_p256Datagram, out _, out _);

    [Benchmark(Description = "raw P-256 verify (SHA-256 + VerifyHash)")]
    public bool RawP256Verify()
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(_p256SigningInput, hash);
        return _rawP256.VerifyHash(hash, _p256Sign);
    }

    [Benchmark(Description = "read + verify P-256 datagram")]
    public bool ReadAndVerifyP256() =>
        DatagramReader.TryRead(_p256Datagram, out Datagram datagram, out _)
        && DatagramVerifier.VerifyDeviceSignature(datagram, _p256.PublicKey);

    [Benchmark(Description = "raw Ed25519 verify (NSec)")]
    public bool RawEd25519Verify() =>
        SignatureAlgorithm.Ed25519.Verify(_rawEd25519Public, _ed25519SigningInput, _ed25519Sign);

    [Benchmark(Description = "read + verify Ed25519 datagram")]
    public bool ReadAndVerifyEd25519() =>
        DatagramReader.TryRead(_ed25519Datagram, out Datagram datagram, out _)
        && DatagramVerifier.VerifyDeviceSignature(datagram, _ed25519.PublicKey);

    [Benchmark(Description = "raw Ed25519 sign (NSec)")]
    public void RawEd25519Sign() =>
        SignatureAlgorithm.Ed25519.Sign(_rawBroker, _ed25519SigningInput, _rawSignature);

    [Benchmark(Description = "read + mark datagram (Ed25519 token)")]
    public int ReadAndMark()
    {
        DatagramReader.TryRead(_ed25519Datagram, out Datagram datagram, out _);
        return DatagramMarker.Mark(datagram, 1_700_000_000_123, 1_000_000, _broker, _markedBuffer);
    }
}
