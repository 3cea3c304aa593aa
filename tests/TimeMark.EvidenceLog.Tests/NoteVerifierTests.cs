using NSec.Cryptography;
using static TimeMark.EvidenceLog.Tests.NoteVectors;

namespace TimeMark.EvidenceLog.Tests;

public class NoteVerifierTests
{
    [Fact]
    public void TryParse_Base64KeyContainingPlus_SplitsOnlyTheFirstTwoFields()
    {
        // Key ID computed independently: Python hashlib, SHA-256(name || 0x0A || 0x01 || key)[:4].
        const string vkey = "timemark/a7772f9d00479dfa+21786b13+AfLchtakajYlXB+w2iwt12XLjEs3yvALE9dZOVAOGrWb";
        Assert.True(NoteVerifier.TryParse(vkey, out NoteVerifier? verifier, out _));
        Assert.Equal("timemark/a7772f9d00479dfa", verifier.Name);
        Assert.Equal(0x21786b13u, verifier.KeyId);
        Assert.Equal(vkey, verifier.Format());
    }

    [Fact]
    public void TryParse_GoExampleKey_ReadsNameAndKeyId()
    {
        NoteVerifier verifier = Verifier(PeterVerifierKey);

        Assert.Equal(("PeterNeumann", 0xc74f20a3u), (verifier.Name, verifier.KeyId));
    }

    [Theory]
    [InlineData(PeterVerifierKey)]
    [InlineData(C2spVerifierKey)]
    public void Format_ParsedKey_ReproducesInput(string verifierKey)
    {
        Assert.Equal(verifierKey, Verifier(verifierKey).Format());
    }

    [Fact]
    public void TryParse_EveryProperSubstring_ReturnsFalse()
    {
        for (int i = 0; i <= PeterVerifierKey.Length; i++)
        {
            for (int j = i + 1; j <= PeterVerifierKey.Length; j++)
            {
                if (i == 0 && j == PeterVerifierKey.Length)
                {
                    continue;
                }

                string key = PeterVerifierKey[i..j];
                Assert.False(NoteVerifier.TryParse(key, out _, out _), key);
            }
        }
    }

    [Fact]
    public void TryParse_EveryOneCharacterChange_ReturnsFalse()
    {
        char[] key = PeterVerifierKey.ToCharArray();
        for (int i = 0; i < key.Length; i++)
        {
            key[i]++;
            Assert.False(NoteVerifier.TryParse(new string(key), out _, out _), new string(key));
            key[i]--;
        }
    }

    [Fact]
    public void TryParse_WrongLengthKeyWithMatchingId_ReturnsFalse()
    {
        // From golang.org/x/mod/sumdb/note TestNewVerifier: a key hash adjusted to the longer key.
        Assert.False(NoteVerifier.TryParse("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", out _, out _));
    }

    [Fact]
    public void TryParse_UnknownAlgorithm_ReportsUnknownAlgorithm()
    {
        // From golang.org/x/mod/sumdb/note TestNewVerifier: algorithm byte 0x65, key hash adjusted.
        bool parsed = NoteVerifier.TryParse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", out _, out ParseError error);

        Assert.Equal((false, ParseError.UnknownAlgorithm), (parsed, error));
    }

    [Fact]
    public void TryParse_UppercaseHexKeyId_ReturnsFalse()
    {
        Assert.False(NoteVerifier.TryParse("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", out _, out _));
    }

    [Fact]
    public void TryParse_WrongKeyId_ReportsKeyIdMismatch()
    {
        bool parsed = NoteVerifier.TryParse("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", out _, out ParseError error);

        Assert.Equal((false, ParseError.KeyIdMismatch), (parsed, error));
    }

    [Fact]
    public void FromPublicKey_GoExampleKey_FormatsGoVerifierKey()
    {
        using Key key = PeterKey();

        Assert.Equal(PeterVerifierKey, NoteVerifier.FromPublicKey("PeterNeumann", key.PublicKey).Format());
    }

    [Theory]
    [InlineData("")]
    [InlineData("a+b")]
    [InlineData("a b")]
    [InlineData("a\u00a0b")]
    [InlineData("a\nb")]
    public void FromPublicKey_InvalidName_Throws(string name)
    {
        using Key key = PeterKey();

        Assert.Throws<ArgumentException>(() => NoteVerifier.FromPublicKey(name, key.PublicKey));
    }

    [Fact]
    public void Verify_SignatureOneByteShort_ReturnsFalse()
    {
        using Key key = PeterKey();
        byte[] signature = SignatureAlgorithm.Ed25519.Sign(key, "hi"u8);

        Assert.False(Verifier(PeterVerifierKey).Verify("hi"u8, signature.AsSpan(0, 63)));
    }

    [Fact]
    public void ToString_Always_OmitsKeyMaterial()
    {
        Assert.Equal("PeterNeumann+c74f20a3", Verifier(PeterVerifierKey).ToString());
    }
}
