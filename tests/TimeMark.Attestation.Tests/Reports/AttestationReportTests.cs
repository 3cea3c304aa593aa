using System.Text;
using System.Text.Json.Nodes;
using TimeMark.Attestation.Reports;

namespace TimeMark.Attestation.Tests.Reports;

public sealed class AttestationReportTests
{
    [Fact]
    public void TryParse_FormattedAttestedReport_GivesTheSameReport()
    {
        AttestationReport report = SampleReports.Attested();

        Assert.True(AttestationReport.TryParse(report.Format(), out AttestationReport? parsed, out string error), error);

        // Formatting again is byte for byte the same: nothing was lost or reordered.
        Assert.Equal(report.Format(), parsed.Format());
        Assert.Equal(report.Tpm!.Clock, parsed.Tpm!.Clock);
        Assert.Equal([10, 23], parsed.Tpm.Pcrs.Keys.Order());
        Assert.Equal(report.Build, parsed.Build);
    }

    [Fact]
    public void TryParse_FormattedSelfReportedReport_GivesTheSameReport()
    {
        AttestationReport report = SampleReports.SelfReported();

        Assert.True(AttestationReport.TryParse(report.Format(), out AttestationReport? parsed, out string error), error);

        Assert.Null(parsed.Tpm);
        Assert.Equal("no TPM configured", parsed.TpmError);
        Assert.Equal(report.Format(), parsed.Format());
    }

    [Fact]
    public void Format_Base64_KeepsPlusSignsUnescaped()
    {
        AttestationReport report = SampleReports.Attested() with { Signature = [0xfb, 0xef, 0xbe] };

        Assert.Contains("\"signature\": \"++++\"", Encoding.UTF8.GetString(report.Format()), StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_NotJson_FailsSayingSo()
    {
        Assert.False(AttestationReport.TryParse("<html>"u8, out _, out string error));
        Assert.StartsWith("attestation report: not JSON", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_OtherFormat_FailsNamingIt()
    {
        string error = ParseError(json => json["format"] = "timemark-attestation/2");
        Assert.Contains("\"timemark-attestation/2\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_MissingNestedMember_FailsNamingItsPath()
    {
        string error = ParseError(json => json["tpm"]!.AsObject().Remove("ak_name"));
        Assert.Equal("attestation report: tpm.ak_name is missing", error);
    }

    [Fact]
    public void TryParse_UppercaseHexNonce_Fails()
    {
        string error = ParseError(json => json["nonce"] = "00AABB");
        Assert.Equal("attestation report: nonce is not lowercase hex", error);
    }

    [Fact]
    public void TryParse_NonceLongerThan64Bytes_Fails()
    {
        string error = ParseError(json => json["nonce"] = new string('0', 130));
        Assert.Contains("65 bytes", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_BadBase64Quote_Fails()
    {
        string error = ParseError(json => json["tpm"]!["quote"] = "not base64!");
        Assert.Equal("attestation report: tpm.quote is not standard base64", error);
    }

    [Fact]
    public void TryParse_PcrKeyWithLeadingZero_Fails()
    {
        string error = ParseError(json =>
        {
            JsonObject pcrs = json["tpm"]!["pcrs"]!.AsObject();
            pcrs["023"] = pcrs["23"]!.GetValue<string>();
            pcrs.Remove("23");
        });
        Assert.Contains("\"023\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_AttestedWithoutTpm_Fails()
    {
        string error = ParseError(json => json["tpm"] = null);
        Assert.Equal("attestation report: attested is true but tpm is null", error);
    }

    [Fact]
    public void TryParse_TimeNotUtc_Fails()
    {
        string error = ParseError(json => json["time"] = "2026-12-03T21:00:00.123+01:00");
        Assert.Contains("RFC 3339 UTC", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_DuplicateMember_Fails()
    {
        string text = Encoding.UTF8.GetString(SampleReports.Attested().Format());
        string duplicated = text.Replace("\"pcr\": 23,", "\"pcr\": 23, \"pcr\": 10,", StringComparison.Ordinal);

        Assert.False(AttestationReport.TryParse(Encoding.UTF8.GetBytes(duplicated), out _, out string error));
        Assert.StartsWith("attestation report: not JSON", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_UnknownMember_IsIgnored()
    {
        JsonObject json = JsonNode.Parse(SampleReports.Attested().Format())!.AsObject();
        json["future_member"] = 1;

        Assert.True(AttestationReport.TryParse(Encoding.UTF8.GetBytes(json.ToJsonString()), out _, out string error), error);
    }

    [Fact]
    public void FormatTime_Always_IsUtcWithMilliseconds()
    {
        var time = new DateTimeOffset(2026, 12, 3, 21, 0, 0, 7, TimeSpan.FromHours(1));

        Assert.Equal("2026-12-03T20:00:00.007Z", AttestationReport.FormatTime(time));
    }

    [Fact]
    public void HashConfig_Text_IsSha256OfUtf8()
    {
        // SHA-256 of the empty string.
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", AttestationReport.HashConfig(""));
    }

    private static string ParseError(Action<JsonObject> change)
    {
        JsonObject json = JsonNode.Parse(SampleReports.Attested().Format())!.AsObject();
        change(json);
        Assert.False(AttestationReport.TryParse(Encoding.UTF8.GetBytes(json.ToJsonString()), out _, out string error));
        return error;
    }
}
