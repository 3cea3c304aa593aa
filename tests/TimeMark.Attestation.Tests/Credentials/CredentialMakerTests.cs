using System.Security.Cryptography;
using TimeMark.Attestation.Credentials;

namespace TimeMark.Attestation.Tests.Credentials;

/// <summary>Credentials made here are activated by a real TPM (swtpm) with tpm2_activatecredential.</summary>
public sealed class CredentialMakerTests(ActivationTpm tpm) : IClassFixture<ActivationTpm>
{
    private static readonly byte[] Secret = [.. Enumerable.Range(0, 32).Select(i => (byte)(0xA0 ^ i))];

    [Fact]
    public async Task Make_ForTheAkName_TpmActivatesToTheCredential()
    {
        MadeCredential made = CredentialMaker.Make(tpm.EndorsementKey, tpm.AkName, Secret);
        Assert.Equal(Secret, await tpm.ActivateAsync(made.ToTpm2ToolsFile()));
    }

    [Fact]
    public async Task Make_ShortCredential_TpmActivatesToTheCredential()
    {
        MadeCredential made = CredentialMaker.Make(tpm.EndorsementKey, tpm.AkName, [1, 2, 3]);
        Assert.Equal([1, 2, 3], await tpm.ActivateAsync(made.ToTpm2ToolsFile()));
    }

    [Fact]
    public async Task Make_ForAnotherName_TpmRefusesActivation()
    {
        byte[] otherName = [0x00, 0x0b, .. SHA256.HashData("another key"u8)];
        MadeCredential made = CredentialMaker.Make(tpm.EndorsementKey, otherName, Secret);
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => tpm.ActivateAsync(made.ToTpm2ToolsFile()));
        // TPM_RC_INTEGRITY: the HMAC over encIdentity || name does not match the AK's name.
        Assert.Contains("integrity", failure.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Make_ForAnotherEk_TpmRefusesActivation()
    {
        using var otherKey = RSA.Create(2048);
        MadeCredential made = CredentialMaker.Make(otherKey, tpm.AkName, Secret);
        await Assert.ThrowsAsync<InvalidOperationException>(() => tpm.ActivateAsync(made.ToTpm2ToolsFile()));
    }

    [Fact]
    public async Task Make_EncIdentityByteFlipped_TpmRefusesActivation()
    {
        MadeCredential made = CredentialMaker.Make(tpm.EndorsementKey, tpm.AkName, Secret);
        made.IdObject[^1] ^= 0x01;
        await Assert.ThrowsAsync<InvalidOperationException>(() => tpm.ActivateAsync(made.ToTpm2ToolsFile()));
    }

    [Fact]
    public void Make_Tpm2ToolsFile_HasTpm2MakecredentialSize()
    {
        // tpm2_makecredential -T none for an RSA 2048 EK and a 32-byte secret writes 336 bytes:
        // 8 header, 2 + (2 + 32 HMAC + 2 + 32 encIdentity), 2 + 256 encrypted seed.
        Assert.Equal(336, CredentialMaker.Make(tpm.EndorsementKey, tpm.AkName, Secret).ToTpm2ToolsFile().Length);
    }

    [Fact]
    public void Make_CredentialLongerThanDigest_Throws() =>
        Assert.Throws<ArgumentException>(() => CredentialMaker.Make(tpm.EndorsementKey, tpm.AkName, new byte[33]));

    [Fact]
    public void Make_NotRsa2048_Throws()
    {
        using var key = RSA.Create(3072);
        Assert.Throws<ArgumentException>(() => CredentialMaker.Make(key, tpm.AkName, Secret));
    }
}
