// C2SP signed-note (https://c2sp.org/signed-note), "Ed25519 signatures": a signer is a key name plus an
// Ed25519 private key; its signature line is "— <name> base64(key ID || Ed25519 signature of the note text)".

using System.Globalization;
using NSec.Cryptography;

namespace TimeMark.EvidenceLog;

/// <summary>Signs note text with one named Ed25519 key. Used with <see cref="SignedNote.Sign"/>.</summary>
/// <remarks>The signer does not own <see cref="Key"/>: whoever created the key disposes it, after the signer's last use.</remarks>
public sealed class NoteSigner
{
    private readonly Key _key;

    /// <summary>A signer for <paramref name="key"/> under <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is not a valid key name, or the key is not Ed25519.</exception>
    public NoteSigner(string name, Key key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Algorithm is not Ed25519)
        {
            throw Errors.WrongAlgorithm(nameof(key));
        }

        Verifier = NoteVerifier.FromPublicKey(name, key.PublicKey);
        _key = key;
    }

    /// <summary>The key name.</summary>
    public string Name => Verifier.Name;

    /// <summary>The 32-bit key ID.</summary>
    public uint KeyId => Verifier.KeyId;

    /// <summary>The verifier that checks this signer's signatures; publish <see cref="NoteVerifier.Format"/>.</summary>
    public NoteVerifier Verifier { get; }

    /// <summary>The key name and ID; never key bytes.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name}+{KeyId:x8}");

    /// <summary>The raw 64-byte Ed25519 signature of <paramref name="text"/>.</summary>
    internal byte[] Sign(ReadOnlySpan<byte> text) => SignatureAlgorithm.Ed25519.Sign(_key, text);
}
