using System.Security.Cryptography;
using TimeMark.Attestation.Tpm;

namespace TimeMark.Attestation.Tests.Tpm;

/// <summary>Qualified names per TPM 2.0 Part 1 §16; the chain EK → AK is checked against tpm2_readpublic in TpmClientTests.</summary>
public sealed class QualifiedNameTests
{
    [Fact]
    public void Hierarchy_Endorsement_IsItsHandle() =>
        Assert.Equal(Convert.FromHexString("4000000b"), QualifiedName.Hierarchy(QualifiedName.EndorsementHierarchy));

    [Fact]
    public void Of_Sha256Name_IsNameAlgAndSha256OfParentAndName()
    {
        byte[] parent = QualifiedName.Hierarchy(QualifiedName.EndorsementHierarchy);
        byte[] name = [0x00, 0x0B, .. SHA256.HashData("object"u8)];
        Assert.Equal([0x00, 0x0B, .. SHA256.HashData([.. parent, .. name])], QualifiedName.Of(parent, name));
    }

    [Fact]
    public void Of_Sha384Name_UsesSha384()
    {
        byte[] parent = QualifiedName.Hierarchy(QualifiedName.EndorsementHierarchy);
        byte[] name = [0x00, 0x0C, .. SHA384.HashData("object"u8)];
        Assert.Equal([0x00, 0x0C, .. SHA384.HashData([.. parent, .. name])], QualifiedName.Of(parent, name));
    }

    [Fact]
    public void Of_NameWithoutKnownHash_Throws() =>
        Assert.Throws<ArgumentException>(() => QualifiedName.Of([0x40, 0, 0, 0x0B], [0x00, 0x10]));
}
