using TimeMark.Attestation.Reports;
using TimeMark.Attestation.Tpm;

namespace TimeMark.Attestation.Tests.Reports;

/// <summary>Reports with fixed, made-up contents for the format tests: no TPM needed, since nothing here is verified.</summary>
internal static class SampleReports
{
    public const string BinaryHash = "4f1c3e2d5b6a79880796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
    public const string Config = """{"Mqtt":{"Port":1883}}""";

    public static AttestationReport Attested() => new()
    {
        Attested = true,
        Nonce = [0x00, 0x11, 0x22, 0x33],
        Time = "2026-12-03T20:00:00.123Z",
        Build = new ReportBuild { BinaryHash = BinaryHash, SourceCommit = new string('a', 40), BuildDate = "2026-12-01T00:00:00Z", Verified = true, Status = "verified" },
        Config = Config,
        ConfigHash = AttestationReport.HashConfig(Config),
        TimeMarkKeyPem = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAFFw3vgno38m6dvYK7TLuPePMG/DEHozS9NYEk/MMSTk=\n-----END PUBLIC KEY-----\n",
        TimeMarkKeyId = new string('b', 64),
        Pcr = 23,
        EventLog = "23 x\n",
        Tpm = new TpmEvidence
        {
            Quote = [1, 2, 3],
            Signature = [4, 5],
            Pcrs = new Dictionary<int, byte[]> { [23] = new byte[32], [10] = Enumerable.Repeat((byte)0xff, 32).ToArray() },
            AkPublic = [6],
            AkName = [0x00, 0x0b, 7],
            EkPublic = [8],
            EkCertificate = [9],
            Clock = new TpmClockInfo(123, 1, 2, true),
        },
        Signature = [0xee, 0xff],
    };

    public static AttestationReport SelfReported() => Attested() with { Attested = false, Tpm = null, TpmError = "no TPM configured", EventLog = "" };
}
