using System.Globalization;
using TimeMark.Attestation.Tpm;
using TimeMark.Tests.Shared;

namespace TimeMark.Attestation.Tests.Tpm;

/// <summary>One swtpm with an AK, shared by the tests of a class, and what tpm2-tools say about it.
/// swtpm serves one connection at a time: dispose a <see cref="TpmClient"/> before running a tool.</summary>
public sealed class SwtpmFixture : IAsyncLifetime
{
    private int _files;

    internal Swtpm Tpm { get; private set; } = null!;

    public async Task InitializeAsync() => Tpm = await Swtpm.StartAsync(provisionAk: true);

    public async Task DisposeAsync()
    {
        if (Tpm is not null)
            await Tpm.DisposeAsync();
    }

    public Task<TpmClient> ConnectAsync() => TpmClient.ConnectAsync(TpmTarget.Parse(Tpm.Target), CancellationToken.None);

    /// <summary>A fresh file name in the TPM's scratch folder.</summary>
    public string NewFile(string suffix) => Path.Combine(Tpm.Root, $"f{Interlocked.Increment(ref _files)}.{suffix}");

    public Task<string> ToolAsync(string tool, params string[] args) => Tpm.ToolAsync(tool, args);

    /// <summary>The "name:" or "qualified name:" line of <c>tpm2_readpublic</c>.</summary>
    public async Task<byte[]> ToolNameAsync(uint handle, string label)
    {
        string output = await ToolAsync("tpm2_readpublic", "-c", Hex(handle));
        string line = output.Split('\n').Single(l => l.StartsWith(label + ": ", StringComparison.Ordinal));
        return Convert.FromHexString(line[(label.Length + 2)..].Trim());
    }

    /// <summary>A sha256-bank PCR as <c>tpm2_pcrread</c> prints it ("    23: 0x…").</summary>
    public async Task<byte[]> ToolPcrAsync(int pcr)
    {
        string output = await ToolAsync("tpm2_pcrread", $"sha256:{pcr}");
        string prefix = pcr.ToString(CultureInfo.InvariantCulture) + ": 0x";
        string line = output.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return Convert.FromHexString(line[prefix.Length..]);
    }

    /// <summary>A quote made by <c>tpm2_quote</c> with the AK: the TPMS_ATTEST and TPMT_SIGNATURE files' bytes.</summary>
    public async Task<TpmQuote> ToolQuoteAsync(byte[] nonce, int pcr)
    {
        string message = NewFile("msg"), signature = NewFile("sig"), pcrs = NewFile("pcrs");
        await ToolAsync("tpm2_quote", "-c", Hex(Swtpm.AkHandle), "-l", $"sha256:{pcr}", "-q", Convert.ToHexStringLower(nonce),
            "-m", message, "-s", signature, "-o", pcrs, "-g", "sha256");
        return new TpmQuote(await File.ReadAllBytesAsync(message), await File.ReadAllBytesAsync(signature));
    }

    public static string Hex(uint handle) => $"0x{handle:x8}";
}
