using NSec.Cryptography;
using static TimeMark.EvidenceLog.Tests.NoteVectors;

namespace TimeMark.EvidenceLog.Tests;

public class NoteSignerTests
{
    [Fact]
    public void KeyId_GoExampleKey_MatchesVerifierKey()
    {
        using Key key = PeterKey();

        Assert.Equal(0xc74f20a3u, new NoteSigner("PeterNeumann", key).KeyId);
    }

    [Fact]
    public void Constructor_NonEd25519Key_Throws()
    {
        using var key = Key.Create(SignatureAlgorithm.Ed25519ph);

        Assert.Throws<ArgumentException>(() => new NoteSigner("example.com/log", key));
    }

    [Fact]
    public void Constructor_InvalidName_Throws()
    {
        using Key key = PeterKey();

        Assert.Throws<ArgumentException>(() => new NoteSigner("Peter Neumann", key));
    }

    [Fact]
    public void ToString_Always_OmitsKeyMaterial()
    {
        using Key key = PeterKey();

        Assert.Equal("PeterNeumann+c74f20a3", new NoteSigner("PeterNeumann", key).ToString());
    }
}
