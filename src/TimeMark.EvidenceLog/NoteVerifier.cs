// C2SP signed-note (https://c2sp.org/signed-note), "Verifier keys" and "Ed25519 signatures":
//   vkey   = <key name> "+" hex(key ID, 8 lowercase digits) "+" base64(0x01 || 32-byte Ed25519 public key)
//   key ID = SHA-256(key name || 0x0A || 0x01 || public key)[:4]
// Same encoding as golang.org/x/mod/sumdb/note NewVerifier / NewEd25519VerifierKey.

using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using NSec.Cryptography;

namespace TimeMark.EvidenceLog;

/// <summary>An Ed25519 signed-note public key: checks signatures made by one named key.</summary>
public sealed class NoteVerifier
{
    private NoteVerifier(string name, PublicKey publicKey, uint keyId)
    {
        Name = name;
        PublicKey = publicKey;
        KeyId = keyId;
    }

    /// <summary>The key name, as written in signature lines.</summary>
    public string Name { get; }

    /// <summary>The 32-bit key ID (signed-note "key ID"; Go's note package calls it the key hash).</summary>
    public uint KeyId { get; }

    /// <summary>The Ed25519 public key.</summary>
    public PublicKey PublicKey { get; }

    /// <summary>A verifier for <paramref name="publicKey"/> under <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is not a valid key name, or the key is not Ed25519.</exception>
    public static NoteVerifier FromPublicKey(string name, PublicKey publicKey)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(publicKey);
        if (!NoteText.IsValidKeyName(name))
        {
            throw Errors.InvalidKeyName(nameof(name));
        }

        if (publicKey.Algorithm is not Ed25519)
        {
            throw Errors.WrongAlgorithm(nameof(publicKey));
        }

        byte[] raw = publicKey.Export(KeyBlobFormat.RawPublicKey);
        return new NoteVerifier(name, publicKey, NoteText.Ed25519KeyId(name, raw));
    }

    /// <summary>Parses a verifier key string strictly: the result formats back to exactly <paramref name="verifierKey"/>.</summary>
    public static bool TryParse(string verifierKey, [NotNullWhen(true)] out NoteVerifier? verifier, out ParseError error)
    {
        ArgumentNullException.ThrowIfNull(verifierKey);
        verifier = null;
        // The base64 key may itself contain '+': only the first two separate fields (as Go's note.NewVerifier reads it).
        string[] parts = verifierKey.Split('+', 3);
        if (parts.Length != 3 || !NoteText.IsValidKeyName(parts[0]) || !IsLowerHex8(parts[1])
            || !NoteText.TryDecodeCanonicalBase64(parts[2], out byte[] key) || key.Length == 0)
        {
            error = ParseError.MalformedVerifierKey;
            return false;
        }

        if (key[0] != NoteText.Ed25519Type)
        {
            error = ParseError.UnknownAlgorithm;
            return false;
        }

        if (key.Length != 1 + NoteText.Ed25519PublicKeySize
            || !PublicKey.TryImport(SignatureAlgorithm.Ed25519, key.AsSpan(1), KeyBlobFormat.RawPublicKey, out PublicKey? publicKey)
            || publicKey is null)
        {
            error = ParseError.MalformedVerifierKey;
            return false;
        }

        string name = parts[0];
        uint keyId = uint.Parse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        if (keyId != NoteText.Ed25519KeyId(name, key.AsSpan(1)))
        {
            error = ParseError.KeyIdMismatch;
            return false;
        }

        verifier = new NoteVerifier(name, publicKey, keyId);
        error = ParseError.None;
        return true;
    }

    /// <summary>Formats the verifier key string "name+keyid+base64(0x01||key)".</summary>
    public string Format()
    {
        byte[] key = new byte[1 + NoteText.Ed25519PublicKeySize];
        key[0] = NoteText.Ed25519Type;
        PublicKey.Export(KeyBlobFormat.RawPublicKey).CopyTo(key, 1);
        return string.Create(CultureInfo.InvariantCulture, $"{Name}+{KeyId:x8}+{Convert.ToBase64String(key)}");
    }

    /// <summary>
    /// Whether <paramref name="signature"/> (without its 4-byte key ID prefix) is this key's Ed25519
    /// signature of <paramref name="text"/>. False for a signature of the wrong length.
    /// </summary>
    public bool Verify(ReadOnlySpan<byte> text, ReadOnlySpan<byte> signature) =>
        signature.Length == NoteText.Ed25519SignatureSize && SignatureAlgorithm.Ed25519.Verify(PublicKey, text, signature);

    /// <summary>The key name and ID; never key bytes.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name}+{KeyId:x8}");

    private static bool IsLowerHex8(string s)
    {
        if (s.Length != 8)
        {
            return false;
        }

        foreach (char c in s)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }

        return true;
    }
}
