using TimeMark.Attestation.Tpm;

namespace TimeMark.Attestation.Tests.Tpm;

/// <summary>Response codes from TPM 2.0 Part 2 §6.6; the format-1 ones as swtpm returns them for real mistakes.</summary>
public sealed class TpmResponseCodeTests
{
    [Theory]
    [InlineData(0x098Eu, "TPM_RC_AUTH_FAIL (0x0000098e) on session 1")]
    [InlineData(0x018Bu, "TPM_RC_HANDLE (0x0000018b) on handle 1")]
    [InlineData(0x028Bu, "TPM_RC_HANDLE (0x0000028b) on handle 2")]
    [InlineData(0x01C4u, "TPM_RC_VALUE (0x000001c4) on parameter 1")]
    [InlineData(0x02DFu, "TPM_RC_INTEGRITY (0x000002df) on parameter 2")]
    [InlineData(0x099Du, "TPM_RC_POLICY_FAIL (0x0000099d) on session 1")]
    [InlineData(0x0084u, "TPM_RC_VALUE (0x00000084)")]
    public void Describe_Format1_NamesErrorAndWhere(uint code, string description) =>
        Assert.Equal(description, TpmResponseCode.Describe(code));

    [Theory]
    [InlineData(0x0100u, "TPM_RC_INITIALIZE (0x00000100)")]
    [InlineData(0x0149u, "TPM_RC_NV_AUTHORIZATION (0x00000149)")]
    [InlineData(0x014Au, "TPM_RC_NV_UNINITIALIZED (0x0000014a)")]
    [InlineData(0x0902u, "TPM_RC_OBJECT_MEMORY (0x00000902)")]
    [InlineData(0x0907u, "TPM_RC_LOCALITY (0x00000907)")]
    [InlineData(0x0922u, "TPM_RC_RETRY (0x00000922)")]
    [InlineData(0x0911u, "TPM_RC_REFERENCE_H1 (0x00000911)")]
    public void Describe_Format0_NamesErrorOrWarning(uint code, string description) =>
        Assert.Equal(description, TpmResponseCode.Describe(code));

    [Fact]
    public void Describe_SoftwareLayerCode_SaysItIsNotFromTheTpm() =>
        Assert.Contains("software layer", TpmResponseCode.Describe(0x000B0001), StringComparison.Ordinal);

    [Theory]
    [InlineData(0x0922u, true)]
    [InlineData(0x0908u, true)]
    [InlineData(0x090Au, true)]
    [InlineData(0x0902u, false)]
    [InlineData(0x098Eu, false)]
    public void IsRetryable_OnlyBusyWarnings(uint code, bool retryable) =>
        Assert.Equal(retryable, TpmResponseCode.IsRetryable(code));
}
