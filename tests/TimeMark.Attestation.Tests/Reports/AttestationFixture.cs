using System.Security.Cryptography;
using System.Text;
using TimeMark.Attestation.Events;
using TimeMark.Attestation.Reports;
using TimeMark.Protocol.Keys;

namespace TimeMark.Attestation.Tests.Reports;

/// <summary>
/// The broker's TPM and a second, unrelated TPM (another machine, another manufacturer's CA), the broker's time-mark key
/// and an attacker's key, and the steps a broker takes to answer GET /attestation. Tests of one class share it and run
/// one after another; each measures its own launch first (PCR 23 is reset), so none depends on another's PCR state.
/// </summary>
public sealed class AttestationFixture : IAsyncLifetime
{
    public const string BinaryHash = "4f1c3e2d5b6a79880796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
    public const string Config = """{"Attestation":{"Pcr":23},"Mqtt":{"Port":1883}}""";

    internal AttestingTpm Broker { get; private set; } = null!;

    /// <summary>A TPM on another machine, with its own EK certificate from its own CA.</summary>
    internal AttestingTpm Other { get; private set; } = null!;

    internal SigningKey TimeMarkKey { get; } = SigningKey.Generate(KeyAlgorithm.Ed25519);

    /// <summary>A key the attacker holds: never measured into the broker's TPM.</summary>
    internal SigningKey AttackerKey { get; } = SigningKey.Generate(KeyAlgorithm.Ed25519);

    public async Task InitializeAsync()
    {
        Broker = await AttestingTpm.StartAsync();
        Other = await AttestingTpm.StartAsync();
    }

    public async Task DisposeAsync()
    {
        TimeMarkKey.Dispose();
        AttackerKey.Dispose();
        if (Broker is not null)
            await Broker.DisposeAsync();
        if (Other is not null)
            await Other.DisposeAsync();
    }

    /// <summary>What <c>timemark measure</c> extends for a launch: the binary, the configuration, the time-mark key.</summary>
    internal static List<MeasurementEvent> Launch(string binaryHash, string config, SigningKey key) =>
    [
        new(AttestingTpm.Pcr, Convert.FromHexString(binaryHash), MeasurementKind.Binary, "/opt/timemark"),
        new(AttestingTpm.Pcr, SHA256.HashData(Encoding.UTF8.GetBytes(config)), MeasurementKind.Configuration, "effective configuration"),
        new(AttestingTpm.Pcr, key.PublicKey.Id.Hash.ToArray(), MeasurementKind.TimeMarkKey, "/var/lib/timemark/timemark.key"),
    ];

    /// <summary>The broker's report for <paramref name="nonce"/>: quoted by <paramref name="tpm"/>, optionally changed, then signed by <paramref name="signer"/>.</summary>
    internal static async Task<AttestationReport> AttestAsync(AttestingTpm tpm, byte[] nonce, string eventLog, SigningKey signer,
        string config = Config, Func<AttestationReport, AttestationReport>? change = null)
    {
        AttestationReport report = new()
        {
            Attested = true,
            Nonce = nonce,
            Time = AttestationReport.FormatTime(DateTimeOffset.UtcNow),
            Build = new ReportBuild { BinaryHash = BinaryHash, SourceCommit = new string('a', 40), BuildDate = "2026-12-01T00:00:00Z", Verified = true, Status = "verified" },
            Config = config,
            ConfigHash = AttestationReport.HashConfig(config),
            TimeMarkKeyPem = signer.PublicKey.ExportPem(),
            TimeMarkKeyId = signer.PublicKey.Id.ToFullHex(),
            Pcr = AttestingTpm.Pcr,
            EventLog = eventLog,
            Tpm = await tpm.QuoteAsync(nonce),
        };
        return AttestationStatement.Sign(change is null ? report : change(report), signer);
    }

    /// <summary>An honest broker: measures the expected launch, then answers.</summary>
    internal async Task<AttestationReport> HonestAsync(byte[] nonce)
    {
        string log = await Broker.MeasureAsync(Launch(BinaryHash, Config, TimeMarkKey));
        return await AttestAsync(Broker, nonce, log, TimeMarkKey);
    }
}
