using System.Security.Cryptography;
using TimeMark.Tests.Shared;

namespace TimeMark.Attestation.Tests.Credentials;

/// <summary>One swtpm with its AK, shared by a test class: the RSA EK's public key, the AK's name, and activation with tpm2-tools.</summary>
public sealed class ActivationTpm : IAsyncLifetime
{
    private Swtpm _tpm = null!;

    public RSA EndorsementKey { get; } = RSA.Create();

    public byte[] AkName { get; private set; } = [];

    public async Task InitializeAsync()
    {
        _tpm = await Swtpm.StartAsync(provisionAk: true);
        string ekPem = Path.Combine(_tpm.Root, "ek-public.pem");
        string akName = Path.Combine(_tpm.Root, "ak.name");
        await _tpm.ToolAsync("tpm2_readpublic", "-c", $"0x{Swtpm.RsaEkHandle:x8}", "-f", "pem", "-o", ekPem);
        await _tpm.ToolAsync("tpm2_readpublic", "-c", $"0x{Swtpm.AkHandle:x8}", "-n", akName);
        EndorsementKey.ImportFromPem(await File.ReadAllTextAsync(ekPem));
        AkName = await File.ReadAllBytesAsync(akName);
    }

    public async Task DisposeAsync()
    {
        EndorsementKey.Dispose();
        if (_tpm is not null)
            await _tpm.DisposeAsync();
    }

    /// <summary>
    /// tpm2_activatecredential on a file in tpm2_makecredential's format, the EK authorized by
    /// PolicySecret(TPM_RH_ENDORSEMENT) as its template's policy requires; throws when the TPM refuses.
    /// </summary>
    public async Task<byte[]> ActivateAsync(byte[] tpm2ToolsFile)
    {
        string id = Guid.NewGuid().ToString("N");
        string blob = Path.Combine(_tpm.Root, $"{id}.cred");
        string session = Path.Combine(_tpm.Root, $"{id}.session");
        string output = Path.Combine(_tpm.Root, $"{id}.out");
        await File.WriteAllBytesAsync(blob, tpm2ToolsFile);
        await _tpm.ToolAsync("tpm2_startauthsession", "--policy-session", "-S", session);
        try
        {
            await _tpm.ToolAsync("tpm2_policysecret", "-S", session, "-c", "e");
            await _tpm.ToolAsync("tpm2_activatecredential", "-c", $"0x{Swtpm.AkHandle:x8}", "-C", $"0x{Swtpm.RsaEkHandle:x8}",
                "-i", blob, "-o", output, "-P", $"session:{session}");
        }
        finally
        {
            await _tpm.ToolAsync("tpm2_flushcontext", session);
        }
        return await File.ReadAllBytesAsync(output);
    }
}
