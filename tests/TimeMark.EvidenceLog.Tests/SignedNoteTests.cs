using NSec.Cryptography;
using static TimeMark.EvidenceLog.Tests.NoteVectors;

namespace TimeMark.EvidenceLog.Tests;

public class SignedNoteTests
{
    [Fact]
    public void Sign_GoExampleKeyAndText_ReproducesGoNoteByteForByte()
    {
        using Key key = PeterKey();

        SignedNote note = SignedNote.Sign(PeterText, new NoteSigner("PeterNeumann", key));

        Assert.Equal(Utf8(PeterNote), note.Format());
    }

    [Theory]
    [InlineData(PeterNote, PeterVerifierKey)]
    [InlineData(C2spNote, C2spVerifierKey)]
    public void Verify_SpecExample_ReturnsTrue(string message, string verifierKey)
    {
        SignedNote note = Parse(message);

        Assert.True(note.Verify([Verifier(verifierKey)]));
    }

    [Fact]
    public void TryParse_GoExample_ReadsTextAndSignature()
    {
        SignedNote note = Parse(PeterNote);

        Assert.Equal((PeterText, "PeterNeumann", 0xc74f20a3u), (note.Text, note.Signatures[0].Name, note.Signatures[0].KeyId));
    }

    [Theory]
    [InlineData(PeterNote)]
    [InlineData(C2spNote)]
    public void Format_ParsedNote_ReproducesInput(string message)
    {
        Assert.Equal(Utf8(message), Parse(message).Format());
    }

    [Fact]
    public void Verify_EveryOneByteChange_Rejected()
    {
        NoteVerifier verifier = Verifier(PeterVerifierKey);
        byte[] message = Utf8(PeterNote);
        for (int i = 0; i < message.Length; i++)
        {
            message[i]++;
            bool accepted = SignedNote.TryParse(message, out SignedNote? note, out _) && note.Verify([verifier]);
            message[i]--;

            Assert.False(accepted, $"byte {i}");
        }
    }

    [Fact]
    public void Verify_EveryTruncation_Rejected()
    {
        NoteVerifier verifier = Verifier(PeterVerifierKey);
        byte[] message = Utf8(PeterNote);
        for (int length = 0; length < message.Length; length++)
        {
            bool accepted = SignedNote.TryParse(message.AsSpan(0, length), out SignedNote? note, out _) && note.Verify([verifier]);

            Assert.False(accepted, $"length {length}");
        }
    }

    [Fact]
    public void Verify_ExtraSignatureFromUnknownKey_ReturnsTrue()
    {
        using Key peter = PeterKey();
        using var other = Key.Create(SignatureAlgorithm.Ed25519);
        SignedNote cosigned = SignedNote.Sign(PeterText, new NoteSigner("PeterNeumann", peter), new NoteSigner("EnochRoot", other));

        Assert.True(cosigned.Verify([Verifier(PeterVerifierKey)]));
    }

    [Fact]
    public void Verify_OnlyUnknownKeys_ReturnsFalse()
    {
        Assert.False(Parse(PeterNote).Verify([Verifier(C2spVerifierKey)]));
    }

    [Fact]
    public void Verify_KnownKeyBadSignatureBesideGoodOne_ReturnsFalse()
    {
        // A second, invalid signature under Peter's name and key ID (the C2SP example's signature bytes).
        byte[] forged = Convert.FromBase64String("Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=");
        forged[0] = 0xc7;
        forged[1] = 0x4f;
        forged[2] = 0x20;
        forged[3] = 0xa3;
        string message = PeterNote + "— PeterNeumann " + Convert.ToBase64String(forged) + "\n";

        Assert.False(Parse(message).Verify([Verifier(PeterVerifierKey)]));
    }

    [Fact]
    public void Verify_SameNameOtherKeyId_IgnoresSignature()
    {
        using Key peter = PeterKey();
        using var other = Key.Create(SignatureAlgorithm.Ed25519);
        SignedNote note = SignedNote.Sign(PeterText, new NoteSigner("PeterNeumann", other), new NoteSigner("PeterNeumann", peter));

        Assert.True(note.Verify([Verifier(PeterVerifierKey)]));
    }

    [Fact]
    public void TryParse_NonCanonicalBase64Padding_ReportsMalformedSignature()
    {
        // Same bytes as the Go example, but the last base64 digit carries non-zero padding bits ('M' -> 'N').
        string message = PeterNote.Replace("JnAM=", "JnAN=", StringComparison.Ordinal);

        Assert.Equal(ParseError.MalformedSignature, ParseFailure(message));
    }

    [Theory]
    [InlineData("text\n", ParseError.MissingSignatures)]
    [InlineData("text\n\n", ParseError.MissingSignatures)]
    [InlineData("text\n\n— PeterNeumann x08go/ZJ", ParseError.MissingSignatures)]
    [InlineData("text\r\n\n— a AAAAAAA=\n", ParseError.ControlCharacter)]
    [InlineData("text\n\n- a AAAAAAA=\n", ParseError.MalformedSignature)]
    [InlineData("text\n\n— a+b AAAAAAA=\n", ParseError.MalformedSignature)]
    [InlineData("text\n\n— a AAAAAA==\n", ParseError.MalformedSignature)]
    [InlineData("text\n\n— a\n", ParseError.MalformedSignature)]
    [InlineData("text\n\n— a AAAAAAA= \n", ParseError.MalformedSignature)]
    [InlineData("text\n\n— a AAAAAAA=\n\n", ParseError.MissingSignatures)]
    public void TryParse_MalformedNote_ReportsError(string message, ParseError expected)
    {
        Assert.Equal(expected, ParseFailure(message));
    }

    [Fact]
    public void TryParse_InvalidUtf8_ReportsInvalidEncoding()
    {
        byte[] message = [.. Utf8("te"), 0xff, .. Utf8("xt\n\n— a AAAAAAA=\n")];

        Assert.False(SignedNote.TryParse(message, out _, out ParseError error));
        Assert.Equal(ParseError.InvalidEncoding, error);
    }

    [Fact]
    public void TryParse_101Signatures_ReportsTooManySignatures()
    {
        string message = "text\n\n" + string.Concat(Enumerable.Repeat("— a AAAAAAA=\n", SignedNote.MaxSignatures + 1));

        Assert.Equal(ParseError.TooManySignatures, ParseFailure(message));
    }

    [Fact]
    public void TryParse_100Signatures_Succeeds()
    {
        string message = "text\n\n" + string.Concat(Enumerable.Repeat("— a AAAAAAA=\n", SignedNote.MaxSignatures));

        Assert.Equal(SignedNote.MaxSignatures, Parse(message).Signatures.Count);
    }

    [Fact]
    public void TryParse_TextWithBlankLines_SplitsAtLastBlankLine()
    {
        SignedNote note = Parse("a\n\nb\n\n— a AAAAAAA=\n");

        Assert.Equal("a\n\nb\n", note.Text);
    }

    [Theory]
    [InlineData("no final newline")]
    [InlineData("tab\tinside\n")]
    public void Sign_InvalidText_Throws(string text)
    {
        using Key key = PeterKey();

        Assert.Throws<ArgumentException>(() => SignedNote.Sign(text, new NoteSigner("PeterNeumann", key)));
    }

    [Fact]
    public void Sign_NoSigners_Throws()
    {
        Assert.Throws<ArgumentException>(() => SignedNote.Sign(PeterText));
    }

    private static SignedNote Parse(string message)
    {
        Assert.True(SignedNote.TryParse(Utf8(message), out SignedNote? note, out ParseError error), error.ToString());
        return note;
    }

    private static ParseError ParseFailure(string message)
    {
        Assert.False(SignedNote.TryParse(Utf8(message), out _, out ParseError error));
        return error;
    }
}
