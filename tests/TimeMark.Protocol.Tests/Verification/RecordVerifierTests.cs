using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Verification;

namespace TimeMark.Protocol.Tests.Verification;

public class RecordVerifierTests
{
    /// <summary>A verifier clock shortly after the vectors' INGESTION_TIME (2023-11-14).</summary>
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds((long)Vectors.IngestionTime + 60_000);

    private static VerificationReport VerifyMarked(byte[] record) =>
        RecordVerifier.Verify(record, TestKeys.DeviceEd25519Public, TestKeys.BrokerPublic, Now);

    private static CheckOutcome Outcome(VerificationReport report, string check) =>
        report.Checks.Single(c => c.Name == check).Outcome;

    [Fact]
    public void Verify_MarkedVector_PassesEveryCheckInOrder()
    {
        VerificationReport report = VerifyMarked(Vectors.Bytes(Vectors.Ed25519MarkedIndefinite));

        Assert.True(report.Passed);
        Assert.Equal(
            [RecordVerifier.FormatCheck, RecordVerifier.DeviceSignatureCheck, RecordVerifier.DeviceFieldsCheck,
             RecordVerifier.BrokerMarkCheck, RecordVerifier.IngestionTimeCheck, RecordVerifier.BrokerTokenCheck],
            report.Checks.Select(c => c.Name));
        Assert.All(report.Checks, c => Assert.Equal(CheckOutcome.Passed, c.Outcome));
        Assert.Equal(new ClockSkew(123, TimestampUnit.Seconds), report.Skew);
    }

    [Fact]
    public void Verify_TamperedBody_FailsDeviceSignatureAndBrokerToken()
    {
        byte[] record = Vectors.Bytes(Vectors.Ed25519MarkedIndefinite);
        record[60] ^= 0x01; // inside BODY
        VerificationReport report = VerifyMarked(record);

        Assert.False(report.Passed);
        Assert.Equal(CheckOutcome.Failed, Outcome(report, RecordVerifier.DeviceSignatureCheck));
        Assert.Equal(CheckOutcome.Failed, Outcome(report, RecordVerifier.BrokerTokenCheck));
    }

    [Fact]
    public void Verify_NotCbor_FailsFormatWithTheReason()
    {
        VerificationReport report = VerifyMarked("hello"u8.ToArray());
        Check check = Assert.Single(report.Checks);
        Assert.Equal(RecordVerifier.FormatCheck, check.Name);
        Assert.Equal(CheckOutcome.Failed, check.Outcome);
        Assert.StartsWith("datagram: ", check.Detail);
    }

    [Fact]
    public void Verify_UnmarkedWithoutBrokerKey_SkipsTheMarkAndPasses()
    {
        VerificationReport report = RecordVerifier.Verify(Vectors.Bytes(Vectors.Ed25519Indefinite), TestKeys.DeviceEd25519Public, null, Now);
        Assert.True(report.Passed);
        Assert.Equal(CheckOutcome.Skipped, Outcome(report, RecordVerifier.BrokerMarkCheck));
    }

    [Fact]
    public void Verify_UnmarkedWithBrokerKey_FailsTheMark() =>
        Assert.Equal(CheckOutcome.Failed, Outcome(VerifyMarked(Vectors.Bytes(Vectors.Ed25519Indefinite)), RecordVerifier.BrokerMarkCheck));

    [Fact]
    public void Verify_MarkedWithoutBrokerKey_SkipsTheTokenSayingWhy()
    {
        VerificationReport report = RecordVerifier.Verify(Vectors.Bytes(Vectors.Ed25519MarkedIndefinite), TestKeys.DeviceEd25519Public, null, Now);
        Check token = report.Checks.Single(c => c.Name == RecordVerifier.BrokerTokenCheck);
        Assert.Equal(CheckOutcome.Skipped, token.Outcome);
        Assert.Equal("no broker key given", token.Detail);
    }

    [Fact]
    public void Verify_IngestionTimeInTheVerifiersFuture_Fails()
    {
        DateTimeOffset past = DateTimeOffset.FromUnixTimeMilliseconds((long)Vectors.IngestionTime) - TimeSpan.FromHours(1);
        VerificationReport report = RecordVerifier.Verify(Vectors.Bytes(Vectors.Ed25519MarkedIndefinite), TestKeys.DeviceEd25519Public, TestKeys.BrokerPublic, past);
        Assert.Equal(CheckOutcome.Failed, Outcome(report, RecordVerifier.IngestionTimeCheck));
    }

    [Fact]
    public void Verify_IngestionTimeInSeconds_FailsAsImplausible()
    {
        Assert.True(DatagramReader.TryRead(Vectors.Bytes(Vectors.Ed25519Indefinite), out Datagram datagram, out _));
        byte[] marked = DatagramMarker.Mark(datagram, 1_700_000_000, 0, TestKeys.Broker);
        Assert.Equal(CheckOutcome.Failed, Outcome(VerifyMarked(marked), RecordVerifier.IngestionTimeCheck));
    }

    [Fact]
    public void Verify_ProtNotOne_FailsDeviceFieldsNamingTheValue()
    {
        var content = new DatagramContent { Ts = 1, Ver = 1, Prot = 2, Action = 9, Body = new byte[] { 0xA0 } };
        byte[] datagram = DatagramWriter.Write(content, TestKeys.DeviceEd25519, indefiniteLength: true);
        Check fields = RecordVerifier.Verify(datagram, TestKeys.DeviceEd25519Public, null, Now).Checks.Single(c => c.Name == RecordVerifier.DeviceFieldsCheck);

        Assert.Equal(CheckOutcome.Failed, fields.Outcome);
        Assert.Equal("PROT is 2, not 1; ACTION is 9, not 1..7", fields.Detail);
    }

    [Fact]
    public void Verify_WrongDeviceKey_FailsOnlyTheDeviceSignature()
    {
        VerificationReport report = RecordVerifier.Verify(Vectors.Bytes(Vectors.Ed25519MarkedIndefinite), TestKeys.DeviceP256Public, TestKeys.BrokerPublic, Now);
        Assert.Equal([RecordVerifier.DeviceSignatureCheck], report.Checks.Where(c => c.Outcome == CheckOutcome.Failed).Select(c => c.Name));
    }
}
