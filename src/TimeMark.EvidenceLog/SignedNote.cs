// C2SP signed-note (https://c2sp.org/signed-note), "Format" and "Signatures":
//   a text ending in newline, a blank line, then one or more lines "— <key name> <base64 signature>\n".
//   The signed message is the text including its final newline, not the blank line.
//   Valid UTF-8, no ASCII control characters but newline. Unknown keys are ignored; a known key's
//   bad signature rejects the note; at least one known key must have signed.
// Limits follow golang.org/x/mod/sumdb/note (100 signatures) and tlog (1e6-byte notes).

using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Unicode;

namespace TimeMark.EvidenceLog;

/// <summary>A note text with its signature lines, as parsed or as signed.</summary>
public sealed class SignedNote
{
    /// <summary>The largest signed note accepted, in bytes (as Go's tlog.ParseTree).</summary>
    public const int MaxSize = 1_000_000;

    /// <summary>The most signature lines accepted (as Go's note.Open; the spec requires at least 16).</summary>
    public const int MaxSignatures = 100;

    // "— " : U+2014 EM DASH then a space, in UTF-8.
    private static ReadOnlySpan<byte> SignaturePrefix => [0xE2, 0x80, 0x94, 0x20];

    private SignedNote(string text, IReadOnlyList<NoteSignature> signatures)
    {
        Text = text;
        Signatures = signatures;
    }

    /// <summary>The note text, ending in a newline. Trust it only after <see cref="Verify"/> returns true.</summary>
    public string Text { get; }

    /// <summary>The signature lines, in order.</summary>
    public IReadOnlyList<NoteSignature> Signatures { get; }

    /// <summary>Signs <paramref name="text"/> with each signer, in order.</summary>
    /// <exception cref="ArgumentException">
    /// The text does not end in a newline, is not well-formed, holds a control character, or no signer is given.
    /// </exception>
    public static SignedNote Sign(string text, params IReadOnlyList<NoteSigner> signers)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(signers);
        if (!text.EndsWith('\n') || !NoteText.IsValidText(text))
        {
            throw Errors.InvalidNoteText(nameof(text));
        }

        if (signers.Count == 0)
        {
            throw Errors.NoSigners(nameof(signers));
        }

        byte[] message = Encoding.UTF8.GetBytes(text);
        var signatures = new List<NoteSignature>(signers.Count);
        foreach (NoteSigner signer in signers)
        {
            ArgumentNullException.ThrowIfNull(signer, nameof(signers));
            signatures.Add(new NoteSignature(signer.Name, signer.KeyId, signer.Sign(message)));
        }

        return new SignedNote(text, signatures);
    }

    /// <summary>The note in its wire form: text, blank line, signature lines.</summary>
    public byte[] Format()
    {
        var builder = new StringBuilder(Text);
        builder.Append('\n');
        foreach (NoteSignature signature in Signatures)
        {
            byte[] raw = new byte[4 + signature.Signature.Length];
            BinaryPrimitives.WriteUInt32BigEndian(raw, signature.KeyId);
            signature.Signature.Span.CopyTo(raw.AsSpan(4));
            builder.Append("\u2014 ").Append(signature.Name).Append(' ').Append(Convert.ToBase64String(raw)).Append('\n');
        }

        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    /// <summary>
    /// Parses a signed note without checking any signature. Strict: the result formats back to
    /// exactly <paramref name="message"/> (canonical base64 only).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> message, [NotNullWhen(true)] out SignedNote? note, out ParseError error)
    {
        note = null;
        if (message.Length > MaxSize)
        {
            error = ParseError.TooLarge;
            return false;
        }

        if (!Utf8.IsValid(message))
        {
            error = ParseError.InvalidEncoding;
            return false;
        }

        // Bytes below 0x20 never occur inside multi-byte UTF-8 sequences, so a byte scan finds every control character.
        foreach (byte b in message)
        {
            if (b < 0x20 && b != (byte)'\n')
            {
                error = ParseError.ControlCharacter;
                return false;
            }
        }

        // The text ends at the last blank line; the signature block after it must be non-empty and end in a newline.
        int split = message.LastIndexOf("\n\n"u8);
        if (split < 0 || split + 2 == message.Length || message[^1] != (byte)'\n')
        {
            error = ParseError.MissingSignatures;
            return false;
        }

        ReadOnlySpan<byte> text = message[..(split + 1)];
        ReadOnlySpan<byte> block = message[(split + 2)..];
        var signatures = new List<NoteSignature>();
        while (!block.IsEmpty)
        {
            int end = block.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = block[..end];
            block = block[(end + 1)..];

            if (signatures.Count == MaxSignatures)
            {
                error = ParseError.TooManySignatures;
                return false;
            }

            if (!TryParseSignatureLine(line, out NoteSignature? signature))
            {
                error = ParseError.MalformedSignature;
                return false;
            }

            signatures.Add(signature);
        }

        note = new SignedNote(Encoding.UTF8.GetString(text), signatures);
        error = ParseError.None;
        return true;
    }

    /// <summary>
    /// Whether the note is signed by at least one of <paramref name="verifiers"/> and every signature
    /// by a known key (same name and key ID) is valid. Signatures by unknown keys are ignored.
    /// </summary>
    /// <exception cref="ArgumentException">Two different verifiers share a name and key ID (a configuration error).</exception>
    public bool Verify(IEnumerable<NoteVerifier> verifiers)
    {
        ArgumentNullException.ThrowIfNull(verifiers);
        var known = new Dictionary<(string Name, uint KeyId), NoteVerifier>();
        foreach (NoteVerifier verifier in verifiers)
        {
            ArgumentNullException.ThrowIfNull(verifier, nameof(verifiers));
            if (known.TryGetValue((verifier.Name, verifier.KeyId), out NoteVerifier? other) && !other.PublicKey.Equals(verifier.PublicKey))
            {
                throw Errors.AmbiguousVerifier(nameof(verifiers), verifier.Name, verifier.KeyId);
            }

            known[(verifier.Name, verifier.KeyId)] = verifier;
        }

        byte[] text = Encoding.UTF8.GetBytes(Text);
        bool verified = false;
        foreach (NoteSignature signature in Signatures)
        {
            if (!known.TryGetValue((signature.Name, signature.KeyId), out NoteVerifier? verifier))
            {
                continue;
            }

            if (!verifier.Verify(text, signature.Signature.Span))
            {
                return false;
            }

            verified = true;
        }

        return verified;
    }

    private static bool TryParseSignatureLine(ReadOnlySpan<byte> line, [NotNullWhen(true)] out NoteSignature? signature)
    {
        signature = null;
        if (!line.StartsWith(SignaturePrefix))
        {
            return false;
        }

        line = line[SignaturePrefix.Length..];
        int space = line.IndexOf((byte)' ');
        if (space < 0)
        {
            return false;
        }

        string name = Encoding.UTF8.GetString(line[..space]);
        string base64 = Encoding.UTF8.GetString(line[(space + 1)..]);
        // At least one signature byte after the 4-byte key ID, as Go's note.Open requires.
        if (!NoteText.IsValidKeyName(name) || !NoteText.TryDecodeCanonicalBase64(base64, out byte[] raw) || raw.Length < 5)
        {
            return false;
        }

        signature = new NoteSignature(name, BinaryPrimitives.ReadUInt32BigEndian(raw), raw[4..]);
        return true;
    }
}
