// Signed-note vectors, verbatim:
//  - PeterNeumann: golang.org/x/mod/sumdb/note package documentation and note_test.go (TestSign, TestNewVerifier).
//  - example.com/foo: C2SP signed-note specification, "Verifier keys" example (c2sp.org/signed-note).

using System.Text;
using NSec.Cryptography;

namespace TimeMark.EvidenceLog.Tests;

internal static class NoteVectors
{
    public const string PeterVerifierKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

    public const string PeterSignerKey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";

    public const string PeterText =
        "If you think cryptography is the answer to your problem,\n" +
        "then you don't know what your problem is.\n";

    public const string PeterNote =
        PeterText +
        "\n" +
        "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    public const string C2spVerifierKey = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";

    public const string C2spNote =
        "This is an example message.\n" +
        "\n" +
        "— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    public static NoteVerifier Verifier(string verifierKey)
    {
        Assert.True(NoteVerifier.TryParse(verifierKey, out NoteVerifier? verifier, out ParseError error), error.ToString());
        return verifier;
    }

    /// <summary>The Ed25519 seed inside Go's "PRIVATE+KEY+name+id+base64(0x01 || seed)" signer key.</summary>
    public static Key PeterKey()
    {
        // The base64 part may itself contain '+', so split off only the four leading fields.
        byte[] blob = Convert.FromBase64String(PeterSignerKey.Split('+', 5)[4]);
        return Key.Import(SignatureAlgorithm.Ed25519, blob.AsSpan(1), KeyBlobFormat.RawPrivateKey);
    }
}
