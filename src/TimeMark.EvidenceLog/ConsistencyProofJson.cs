// TimeMark's JSON form of an RFC 9162 §2.1.4 consistency proof, as printed by `timemark log consistency` and served by
// the broker's HTTP API:
//   {"old_size":M,"new_size":N,"hashes":["<base64>",...]}
// Standard base64 (RFC 4648 §4) of 32-byte SHA-256 hashes; "hashes" is consistency_path in RFC 9162 order.

using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TimeMark.EvidenceLog;

/// <summary>A consistency proof in the JSON exchange format.</summary>
public sealed class ConsistencyProofJson
{
    /// <summary>The largest document accepted, in bytes: far above 128 hashes even with every character escaped.</summary>
    public const int MaxSize = 64 * 1024;

    /// <summary>
    /// The most hashes accepted. A consistency path has at most one hash per level on each of the old tree's and the new
    /// tree's right edges, so under 2 · 63 for any tree of at most 2^63-1 entries.
    /// </summary>
    public const int MaxHashes = 2 * (MerkleTree.MaxLevel + 1);

    private static readonly string[] Members = ["old_size", "new_size", "hashes"];

    private ConsistencyProofJson(long oldSize, long newSize, ImmutableArray<Hash> hashes)
    {
        OldSize = oldSize;
        NewSize = newSize;
        Hashes = hashes;
    }

    /// <summary>The size of the earlier tree ("old_size").</summary>
    public long OldSize { get; }

    /// <summary>The size of the later tree ("new_size").</summary>
    public long NewSize { get; }

    /// <summary>The consistency path ("hashes").</summary>
    public ImmutableArray<Hash> Hashes { get; }

    /// <summary>The JSON form of <paramref name="proof"/>.</summary>
    public static ConsistencyProofJson From(ConsistencyProof proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        return new ConsistencyProofJson(proof.OldSize, proof.NewSize, proof.Path);
    }

    /// <summary>The document on one line, members in the order above, no spaces, no trailing newline.</summary>
    public string Format() =>
        new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"{{\"old_size\":{OldSize},\"new_size\":{NewSize},")
            .AppendHashes(Hashes.AsSpan())
            .Append('}')
            .ToString();

    /// <summary>
    /// Parses a document strictly: one object with exactly the three members (any order, any whitespace), old_size ≤ new_size,
    /// canonical base64 hashes, at most <see cref="MaxHashes"/> of them. Never throws on bad input.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8Json, [NotNullWhen(true)] out ConsistencyProofJson? proof, out ProofJsonError error)
    {
        proof = null;
        long oldSize = 0;
        long newSize = 0;
        Hash[] hashes = [];
        error = ProofJsonReader.ReadObject(utf8Json, MaxSize, Members.Length, (string name, ref Utf8JsonReader reader, out ProofJsonError memberError) =>
        {
            memberError = ProofJsonError.None;
            int slot = Array.IndexOf(Members, name);
            switch (slot)
            {
                case 0:
                    memberError = ProofJsonReader.TryReadSize(ref reader, out oldSize) ? ProofJsonError.None : ProofJsonError.InvalidNumber;
                    break;
                case 1:
                    memberError = ProofJsonReader.TryReadSize(ref reader, out newSize) ? ProofJsonError.None : ProofJsonError.InvalidNumber;
                    break;
                case 2:
                    memberError = ProofJsonReader.ReadHashes(ref reader, MaxHashes, out hashes);
                    break;
            }

            return slot;
        });
        if (error == ProofJsonError.None && oldSize > newSize)
        {
            error = ProofJsonError.InvalidNumber;
        }

        if (error != ProofJsonError.None)
        {
            return false;
        }

        proof = new ConsistencyProofJson(oldSize, newSize, [.. hashes]);
        return true;
    }

    /// <summary>
    /// Whether the proof shows that the tree (<see cref="OldSize"/>, <paramref name="oldRoot"/>) is a prefix of the tree
    /// (<see cref="NewSize"/>, <paramref name="newRoot"/>) (<see cref="ConsistencyProof.Verify"/>). Never throws.
    /// </summary>
    public bool Verify(in Hash oldRoot, in Hash newRoot) =>
        ConsistencyProof.Verify(OldSize, NewSize, Hashes.AsSpan(), oldRoot, newRoot);
}
