using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;

namespace TimeMark.Protocol.Verification;

/// <summary>
/// Verifies a datagram or a marked record offline: its format, the device
/// signature, the device fields, the broker mark and the broker token. Every
/// check is named in the report with its reason; nothing throws for bad input.
/// </summary>
public static class RecordVerifier
{
    public const string FormatCheck = "format";
    public const string DeviceSignatureCheck = "device-signature";
    public const string DeviceFieldsCheck = "device-fields";
    public const string BrokerMarkCheck = "broker-mark";
    public const string IngestionTimeCheck = "ingestion-time";
    public const string BrokerTokenCheck = "broker-token";

    /// <summary>BRAID ACTION values: 1..7 (OPTIONS..TRACE).</summary>
    private const ulong FirstAction = 1, LastAction = 7;

    /// <summary>INGESTION_TIME before this (2001-09-09, 10^12 ms) cannot be Unix milliseconds from a working clock.</summary>
    private const ulong EarliestPlausibleIngestionTime = 1_000_000_000_000;

    /// <summary>How far INGESTION_TIME may lie ahead of the verifier's clock: clocks of honest machines differ by less.</summary>
    public static readonly TimeSpan FutureTolerance = TimeSpan.FromMinutes(5);

    /// <param name="record">The datagram, marked or not.</param>
    /// <param name="deviceKey">The device's public key.</param>
    /// <param name="brokerKey">The broker's public key; without it the token is not checked, and the report says so.</param>
    /// <param name="now">The verifier's clock, to spot an INGESTION_TIME in the future.</param>
    public static VerificationReport Verify(ReadOnlyMemory<byte> record, VerifyingKey deviceKey, VerifyingKey? brokerKey, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(deviceKey);
        var checks = new List<Check>();
        if (!DatagramReader.TryRead(record, out Datagram datagram, out DatagramError error))
        {
            checks.Add(new Check(FormatCheck, CheckOutcome.Failed, error.ToString()));
            return new VerificationReport(checks, null);
        }

        checks.Add(Passed(FormatCheck,
            $"{(datagram.IsIndefiniteLength ? "indefinite" : "definite")}-length map of {datagram.PairCount} pairs, {record.Length} bytes"));

        checks.Add(DatagramVerifier.VerifyDeviceSignature(datagram, deviceKey)
            ? Passed(DeviceSignatureCheck, $"SIGN verifies with {deviceKey}")
            : Failed(DeviceSignatureCheck, $"SIGN does not verify with {deviceKey} over the {datagram.SignOffset - datagram.PairsStart} bytes of pairs before SIGN"));

        checks.Add(CheckDeviceFields(datagram));

        bool marked = datagram.HasBrokerFields;
        if (!marked)
        {
            string detail = "the record carries no broker fields (INGESTION_TIME, LOG_INDEX, VERIFICATION_TOKEN)";
            checks.Add(brokerKey is null ? Skipped(BrokerMarkCheck, detail) : Failed(BrokerMarkCheck, detail));
            return new VerificationReport(checks, null);
        }

        checks.Add(CheckMark(datagram));
        checks.Add(CheckIngestionTime(datagram, now));
        checks.Add(CheckToken(datagram, brokerKey));

        ClockSkew? skew = datagram.Ts is ulong ts && datagram.IngestionTime is ulong ingestion
            ? ClockSkew.Measure(ts, ingestion)
            : null;
        return new VerificationReport(checks, skew);
    }

    /// <summary>
    /// The device-fields check on its own, as the broker applies it before marking:
    /// TS, VER, STATUS and BODY present, PROT 1, ACTION 1..7.
    /// </summary>
    public static Check CheckDeviceFields(in Datagram datagram)
    {
        var problems = new List<string>();
        if (datagram.Ts is null) problems.Add("TS is missing");
        if (datagram.Ver is null) problems.Add("VER is missing");
        if (datagram.Prot is not ulong prot) problems.Add("PROT is missing");
        else if (prot != 1) problems.Add($"PROT is {prot}, not 1");
        if (datagram.Action is not ulong action) problems.Add("ACTION is missing");
        else if (action is < FirstAction or > LastAction) problems.Add($"ACTION is {action}, not 1..7");
        if (datagram.Status is null) problems.Add("STATUS is missing");
        if (!datagram.HasBody) problems.Add("BODY is missing");

        return problems.Count == 0
            ? Passed(DeviceFieldsCheck, $"TS {datagram.Ts}, VER {datagram.Ver}, PROT 1, ACTION {datagram.Action}, STATUS {datagram.Status}, BODY of {datagram.Body.Length} bytes")
            : Failed(DeviceFieldsCheck, string.Join("; ", problems));
    }

    private static Check CheckMark(in Datagram datagram)
    {
        var missing = new List<string>();
        if (datagram.IngestionTime is null) missing.Add("INGESTION_TIME");
        if (datagram.VerificationTokenOffset < 0) missing.Add("VERIFICATION_TOKEN");
        if (missing.Count > 0)
            return Failed(BrokerMarkCheck, $"{string.Join(" and ", missing)} missing");
        return datagram.LogIndex is ulong index
            ? Passed(BrokerMarkCheck, $"INGESTION_TIME {datagram.IngestionTime}, LOG_INDEX {index}")
            : Passed(BrokerMarkCheck, $"INGESTION_TIME {datagram.IngestionTime}; no LOG_INDEX, so the mark names no evidence-log entry");
    }

    private static Check CheckIngestionTime(in Datagram datagram, DateTimeOffset now)
    {
        if (datagram.IngestionTime is not ulong ingestion)
            return Failed(IngestionTimeCheck, "INGESTION_TIME is missing");
        if (ingestion < EarliestPlausibleIngestionTime)
            return Failed(IngestionTimeCheck, $"INGESTION_TIME {ingestion} is before 2001-09-09: not Unix milliseconds");
        ulong latest = (ulong)(now + FutureTolerance).ToUnixTimeMilliseconds();
        string at = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Min(ingestion, (ulong)DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())).ToString("O");
        return ingestion > latest
            ? Failed(IngestionTimeCheck, $"INGESTION_TIME {at} is more than {FutureTolerance.TotalMinutes} minutes ahead of this verifier's clock")
            : Passed(IngestionTimeCheck, at);
    }

    private static Check CheckToken(in Datagram datagram, VerifyingKey? brokerKey)
    {
        if (datagram.VerificationTokenOffset < 0)
            return Failed(BrokerTokenCheck, "VERIFICATION_TOKEN is missing");
        if (brokerKey is null)
            return Skipped(BrokerTokenCheck, "no broker key given");
        if (brokerKey.Algorithm != KeyAlgorithm.Ed25519)
            return Failed(BrokerTokenCheck, $"the broker key {brokerKey} is not Ed25519");
        return DatagramVerifier.VerifyBrokerToken(datagram, brokerKey)
            ? Passed(BrokerTokenCheck, $"VERIFICATION_TOKEN verifies with {brokerKey}")
            : Failed(BrokerTokenCheck, $"VERIFICATION_TOKEN does not verify with {brokerKey}");
    }

    private static Check Passed(string name, string detail) => new(name, CheckOutcome.Passed, detail);
    private static Check Failed(string name, string detail) => new(name, CheckOutcome.Failed, detail);
    private static Check Skipped(string name, string detail) => new(name, CheckOutcome.Skipped, detail);
}
