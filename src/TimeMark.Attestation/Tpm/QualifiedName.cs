// TPM 2.0 Library Part 1 §16 (Names) : QN(object) = nameAlg || H_nameAlg(QN(parent) || Name(object)); a hierarchy's QN is its handle.

using System.Buffers.Binary;

namespace TimeMark.Attestation.Tpm;

/// <summary>Qualified names: the name of an object together with the names of all its ancestors, as a quote's qualifiedSigner carries it.</summary>
public static class QualifiedName
{
    public const uint EndorsementHierarchy = 0x4000000B;

    /// <summary>The qualified name of the object named <paramref name="name"/> whose parent has <paramref name="parentQualifiedName"/>;
    /// the hash is the object's nameAlg, the first two bytes of its name.</summary>
    /// <exception cref="ArgumentException">The name does not start with a supported hash algorithm.</exception>
    public static byte[] Of(ReadOnlySpan<byte> parentQualifiedName, ReadOnlySpan<byte> name)
    {
        if (name.Length < 2 || !TpmAlgorithm.TryGetHash(BinaryPrimitives.ReadUInt16BigEndian(name), out _, out _))
            throw new ArgumentException("a name starts with its nameAlg (SHA-256, SHA-384 or SHA-512)", nameof(name));
        ushort nameAlg = BinaryPrimitives.ReadUInt16BigEndian(name);
        byte[] input = [.. parentQualifiedName, .. name];
        return [.. name[..2], .. TpmAlgorithm.Hash(nameAlg, input)];
    }

    /// <summary>A hierarchy's qualified name: its handle (e.g. TPM_RH_ENDORSEMENT 0x4000000B), 4 bytes big-endian.</summary>
    public static byte[] Hierarchy(uint handle)
    {
        byte[] qualifiedName = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(qualifiedName, handle);
        return qualifiedName;
    }
}
