// TPM 2.0 Part 3 §12.6 TPM2_MakeCredential's outputs; tpm2-tools' file layout (tpm2_makecredential -o).

using System.Buffers.Binary;

namespace TimeMark.Attestation.Credentials;

/// <summary>
/// A credential sealed to one TPM's endorsement key and one object name, as TPM2_MakeCredential returns it.
/// </summary>
/// <param name="IdObject">The contents of the TPM2B_ID_OBJECT: integrityHMAC as a TPM2B_DIGEST, then encIdentity.</param>
/// <param name="EncryptedSecret">The contents of the TPM2B_ENCRYPTED_SECRET: the seed, RSA-OAEP encrypted to the EK.</param>
public sealed record MadeCredential(byte[] IdObject, byte[] EncryptedSecret)
{
    /// <summary>tpm2-tools' credential file header: magic and version (tools/tpm2_makecredential.c).</summary>
    private const uint Tpm2ToolsMagic = 0xBADCC0DE;
    private const uint Tpm2ToolsVersion = 1;

    /// <summary>
    /// The file tpm2_makecredential writes and tpm2_activatecredential -i reads: magic BADCC0DE, version 1
    /// (both 4 bytes big-endian), the TPM2B_ID_OBJECT and the TPM2B_ENCRYPTED_SECRET (2-byte big-endian sizes).
    /// </summary>
    public byte[] ToTpm2ToolsFile()
    {
        byte[] file = new byte[4 + 4 + 2 + IdObject.Length + 2 + EncryptedSecret.Length];
        Span<byte> rest = file;
        BinaryPrimitives.WriteUInt32BigEndian(rest, Tpm2ToolsMagic);
        BinaryPrimitives.WriteUInt32BigEndian(rest[4..], Tpm2ToolsVersion);
        rest = rest[8..];
        foreach (byte[] part in (byte[][])[IdObject, EncryptedSecret])
        {
            BinaryPrimitives.WriteUInt16BigEndian(rest, checked((ushort)part.Length));
            part.CopyTo(rest[2..]);
            rest = rest[(2 + part.Length)..];
        }
        return file;
    }
}
