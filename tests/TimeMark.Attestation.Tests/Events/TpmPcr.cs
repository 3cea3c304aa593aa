using System.Text.RegularExpressions;
using TimeMark.Tests.Shared;

namespace TimeMark.Attestation.Tests.Events;

/// <summary>Reads a sha256 PCR with tpm2_pcrread, independently of TimeMark's own TPM client.</summary>
internal static partial class TpmPcr
{
    public static async Task<byte[]> ReadAsync(Swtpm tpm, int pcr)
    {
        // tpm2_pcrread prints "  sha256:\n    23: 0x<64 hex>".
        string output = await tpm.ToolAsync("tpm2_pcrread", $"sha256:{pcr}");
        Match value = PcrLine().Match(output);
        Assert.True(value.Success, output);
        return Convert.FromHexString(value.Groups[1].Value);
    }

    [GeneratedRegex(@":\s*0x([0-9A-Fa-f]{64})")]
    private static partial Regex PcrLine();
}
