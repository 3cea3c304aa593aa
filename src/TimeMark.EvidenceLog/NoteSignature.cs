// C2SP signed-note (https://c2sp.org/signed-note), "Signatures": one line
// "— <key name> base64(32-bit big-endian key ID || signature)".

namespace TimeMark.EvidenceLog;

/// <summary>One signature line of a signed note, verified or not.</summary>
public sealed class NoteSignature
{
    internal NoteSignature(string name, uint keyId, byte[] signature)
    {
        Name = name;
        KeyId = keyId;
        Signature = signature;
    }

    /// <summary>The key name on the signature line.</summary>
    public string Name { get; }

    /// <summary>The key ID: the first four bytes of the decoded signature, big-endian.</summary>
    public uint KeyId { get; }

    /// <summary>The signature bytes after the key ID.</summary>
    public ReadOnlyMemory<byte> Signature { get; }
}
