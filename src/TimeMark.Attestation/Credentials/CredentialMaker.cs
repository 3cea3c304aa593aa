// TPM 2.0 Part 1 §24 "Credential Protection" and Part 3 §12.6 TPM2_MakeCredential, done in software
// for an RSA 2048 EK made from the TCG default template (TCG EK Credential Profile, template L-1:
// nameAlg SHA-256, symmetric AES-128-CFB).

using System.Buffers.Binary;
using System.Security.Cryptography;

namespace TimeMark.Attestation.Credentials;

/// <summary>
/// Seals a credential so that only the TPM holding a given EK can recover it, and only for an object with
/// a given name loaded in that TPM (TPM2_ActivateCredential). A verifier uses this to learn that an AK
/// lives in the same TPM as an EK whose certificate it trusts.
/// </summary>
public static class CredentialMaker
{
    /// <summary>The EK template L-1 key size.</summary>
    public const int EndorsementKeyBits = 2048;

    /// <summary>The TPM refuses credentials longer than the digest of the EK's nameAlg (Part 3 §12.6: TPM_RC_SIZE).</summary>
    public const int MaxCredentialLength = SHA256.HashSizeInBytes;

    private const int SeedLength = SHA256.HashSizeInBytes;
    private const int SymmetricKeyBits = 128;

    // The seed is RSA-OAEP encrypted under the label "IDENTITY", terminating zero included (Part 1 §24, Annex B).
    private static ReadOnlySpan<byte> IdentityLabel => "IDENTITY\0"u8;

    /// <summary>TPM2_MakeCredential(EK public, credential, objectName) in software.</summary>
    /// <param name="endorsementKey">The RSA 2048 EK's public key (of the TCG default template).</param>
    /// <param name="objectName">The name of the object to activate with: nameAlg (2 bytes) || digest of its public area.</param>
    /// <param name="credential">At most <see cref="MaxCredentialLength"/> bytes; the secret the TPM gives back.</param>
    public static MadeCredential Make(RSA endorsementKey, ReadOnlySpan<byte> objectName, ReadOnlySpan<byte> credential)
    {
        ArgumentNullException.ThrowIfNull(endorsementKey);
        if (endorsementKey.KeySize != EndorsementKeyBits)
            throw new ArgumentException($"MakeCredential: the EK must be RSA {EndorsementKeyBits} (template L-1), not RSA {endorsementKey.KeySize}", nameof(endorsementKey));
        if (objectName.IsEmpty)
            throw new ArgumentException("MakeCredential: the object name is empty", nameof(objectName));
        if (credential.Length > MaxCredentialLength)
            throw new ArgumentException($"MakeCredential: the credential has {credential.Length} bytes, at most {MaxCredentialLength} fit", nameof(credential));

        Span<byte> seed = stackalloc byte[SeedLength];
        byte[]? symmetricKey = null;
        byte[]? hmacKey = null;
        try
        {
            RandomNumberGenerator.Fill(seed);
            byte[] encryptedSecret = RsaOaep.EncryptSha256(endorsementKey.ExportParameters(includePrivateParameters: false), seed, IdentityLabel);

            // Part 1 §24: symKey = KDFa(nameAlg, seed, "STORAGE", name, NULL, symmetric key bits);
            // encIdentity = CFB(symKey, IV = 0, TPM2B_DIGEST(credential)).
            symmetricKey = Kdfa.Sha256(seed, "STORAGE", objectName, [], SymmetricKeyBits);
            byte[] plain = new byte[2 + credential.Length];
            BinaryPrimitives.WriteUInt16BigEndian(plain, (ushort)credential.Length);
            credential.CopyTo(plain.AsSpan(2));
            byte[] encIdentity = EncryptCfb(symmetricKey, plain);

            // Part 1 §24: HMACkey = KDFa(nameAlg, seed, "INTEGRITY", NULL, NULL, digest bits);
            // outerHMAC = HMAC(HMACkey, encIdentity || name).
            hmacKey = Kdfa.Sha256(seed, "INTEGRITY", [], [], SHA256.HashSizeInBits);
            using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, hmacKey);
            hmac.AppendData(encIdentity);
            hmac.AppendData(objectName);
            byte[] integrity = hmac.GetHashAndReset();

            byte[] idObject = new byte[2 + integrity.Length + encIdentity.Length];
            BinaryPrimitives.WriteUInt16BigEndian(idObject, (ushort)integrity.Length);
            integrity.CopyTo(idObject, 2);
            encIdentity.CopyTo(idObject, 2 + integrity.Length);
            return new MadeCredential(idObject, encryptedSecret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
            CryptographicOperations.ZeroMemory(symmetricKey);
            CryptographicOperations.ZeroMemory(hmacKey);
        }
    }

    /// <summary>
    /// AES-128 in full-block CFB (CFB128) with a zero IV, as the TPM's TPM_ALG_CFB. .NET refuses plaintext that
    /// is not a whole number of blocks with PaddingMode.None; CFB is a stream mode, so encrypting zero-padded
    /// blocks and cutting the result to the plaintext's length gives the same bytes.
    /// </summary>
    private static byte[] EncryptCfb(byte[] key, byte[] plain)
    {
        const int blockSize = 16;
        byte[] padded = new byte[(plain.Length + blockSize - 1) / blockSize * blockSize];
        plain.CopyTo(padded, 0);
        using var aes = Aes.Create();
        aes.Key = key;
        byte[] cipher = aes.EncryptCfb(padded, new byte[blockSize], PaddingMode.None, feedbackSizeInBits: 128);
        return cipher[..plain.Length];
    }
}
