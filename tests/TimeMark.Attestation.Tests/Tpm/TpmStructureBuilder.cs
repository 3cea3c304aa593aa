using System.Buffers.Binary;
using System.Security.Cryptography;

namespace TimeMark.Attestation.Tests.Tpm;

/// <summary>TPM structures for keys made by .NET, marshaled per TPM 2.0 Part 2, to test what swtpm's AK does not cover
/// (P-384, RSA, short ECDSA r and s) and to build malformed input.</summary>
internal static class TpmStructureBuilder
{
    private const ushort Sha256 = 0x000B;

    /// <summary>TPMT_PUBLIC of a restricted ECDSA signing key on NIST P-256 or P-384.</summary>
    public static byte[] EccPublic(ECDsa key)
    {
        ECParameters parameters = key.ExportParameters(false);
        ushort curve = parameters.Q.X!.Length == 32 ? (ushort)0x0003 : (ushort)0x0004;
        return [.. U16(0x0023), .. U16(Sha256), .. U32(0x00050072), .. Sized([]),
            .. U16(0x0010), .. U16(0x0018), .. U16(Sha256), .. U16(curve), .. U16(0x0010),
            .. Sized(parameters.Q.X), .. Sized(parameters.Q.Y!)];
    }

    /// <summary>TPMT_PUBLIC of an RSASSA signing key with the default exponent written as 0.</summary>
    public static byte[] RsaPublic(RSA key)
    {
        RSAParameters parameters = key.ExportParameters(false);
        return [.. U16(0x0001), .. U16(Sha256), .. U32(0x00050072), .. Sized([]),
            .. U16(0x0010), .. U16(0x0014), .. U16(Sha256), .. U16((ushort)(parameters.Modulus!.Length * 8)), .. U32(0),
            .. Sized(parameters.Modulus)];
    }

    /// <summary>TPMT_SIGNATURE for ECDSA, r and s stripped of leading zeros as a TPM may send them.</summary>
    public static byte[] EcdsaSignature(byte[] p1363, ushort hash = Sha256)
    {
        int half = p1363.Length / 2;
        return [.. U16(0x0018), .. U16(hash), .. Sized(StripLeadingZeros(p1363[..half])), .. Sized(StripLeadingZeros(p1363[half..]))];
    }

    public static byte[] RsaSsaSignature(byte[] signature) => [.. U16(0x0014), .. U16(Sha256), .. Sized(signature)];

    public static byte[] U16(ushort value)
    {
        byte[] bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] U32(uint value)
    {
        byte[] bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] Sized(byte[] bytes) => [.. U16((ushort)bytes.Length), .. bytes];

    private static byte[] StripLeadingZeros(byte[] value) => [.. value.SkipWhile(b => b == 0)];
}
