// TimeMark's JSON form of an RFC 9162 §2.1.3 inclusion proof (RFC 6962's "audit path"), as printed by
// `timemark log prove` and served by the broker's HTTP API:
//   {"leaf_index":I,"tree_size":N,"leaf_hash":"<base64>","hashes":["<base64>",...]}
// Standard base64 (RFC 4648 §4) of 32-byte SHA-256 hashes; "hashes" is inclusion_path, leaf side first.

using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TimeMark.EvidenceLog;

/// <summary>An inclusion proof together with the leaf hash it is for, in the JSON exchange format.</summary>
public sealed class InclusionProofJson
{
    /// <summary>The largest document accepted, in bytes: far above 63 hashes even with every character escaped.</summary>
    public const int MaxSize = 64 * 1024;

    /// <summary>The most hashes an inclusion path can have: one per tree level below the root of a tree of at most 2^63-1 entries.</summary>
    public const int MaxHashes = MerkleTree.MaxLevel;

    private static readonly string[] Members = ["leaf_index", "tree_size", "leaf_hash", "hashes"];

    private InclusionProofJson(long leafIndex, long treeSize, Hash leafHash, ImmutableArray<Hash> hashes)
    {
        LeafIndex = leafIndex;
        TreeSize = treeSize;
        LeafHash = leafHash;
        Hashes = hashes;
    }

    /// <summary>The 0-based index of the proven entry ("leaf_index").</summary>
    public long LeafIndex { get; }

    /// <summary>The size of the tree the proof leads to ("tree_size").</summary>
    public long TreeSize { get; }

    /// <summary>The proven entry's leaf hash, SHA-256(0x00 || entry) ("leaf_hash").</summary>
    public Hash LeafHash { get; }

    /// <summary>The inclusion path, leaf side first ("hashes").</summary>
    public ImmutableArray<Hash> Hashes { get; }

    /// <summary>The JSON form of <paramref name="proof"/> for the entry with <paramref name="leafHash"/>.</summary>
    public static InclusionProofJson From(InclusionProof proof, in Hash leafHash)
    {
        ArgumentNullException.ThrowIfNull(proof);
        return new InclusionProofJson(proof.LeafIndex, proof.TreeSize, leafHash, proof.Path);
    }

    /// <summary>The document on one line, members in the order above, no spaces, no trailing newline.</summary>
    public string Format() =>
        new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"{{\"leaf_index\":{LeafIndex},\"tree_size\":{TreeSize},\"leaf_hash\":\"{LeafHash.ToBase64()}\",")
            .AppendHashes(Hashes.AsSpan())
            .Append('}')
            .ToString();

    /// <summary>
    /// Parses a document strictly: one object with exactly the four members (any order, any whitespace), 0 ≤ leaf_index &lt; tree_size,
    /// canonical base64 hashes, at most <see cref="MaxHashes"/> of them. Never throws on bad input.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8Json, [NotNullWhen(true)] out InclusionProofJson? proof, out ProofJsonError error)
    {
        proof = null;
        long leafIndex = 0;
        long treeSize = 0;
        Hash leafHash = default;
        Hash[] hashes = [];
        error = ProofJsonReader.ReadObject(utf8Json, MaxSize, Members.Length, (string name, ref Utf8JsonReader reader, out ProofJsonError memberError) =>
        {
            memberError = ProofJsonError.None;
            int slot = Array.IndexOf(Members, name);
            switch (slot)
            {
                case 0:
                    memberError = ProofJsonReader.TryReadSize(ref reader, out leafIndex) ? ProofJsonError.None : ProofJsonError.InvalidNumber;
                    break;
                case 1:
                    memberError = ProofJsonReader.TryReadSize(ref reader, out treeSize) ? ProofJsonError.None : ProofJsonError.InvalidNumber;
                    break;
                case 2:
                    memberError = ProofJsonReader.TryReadHash(ref reader, out leafHash) ? ProofJsonError.None : ProofJsonError.InvalidHash;
                    break;
                case 3:
                    memberError = ProofJsonReader.ReadHashes(ref reader, MaxHashes, out hashes);
                    break;
            }

            return slot;
        });
        if (error == ProofJsonError.None && leafIndex >= treeSize)
        {
            error = ProofJsonError.InvalidNumber;
        }

        if (error != ProofJsonError.None)
        {
            return false;
        }

        proof = new InclusionProofJson(leafIndex, treeSize, leafHash, [.. hashes]);
        return true;
    }

    /// <summary>
    /// Whether the proof shows that the entry with <paramref name="leafHash"/> is at <see cref="LeafIndex"/> in the tree of
    /// <see cref="TreeSize"/> entries with <paramref name="rootHash"/> (<see cref="InclusionProof.Verify"/>). Never throws.
    /// </summary>
    public bool Verify(in Hash leafHash, in Hash rootHash) =>
        InclusionProof.Verify(LeafIndex, TreeSize, Hashes.AsSpan(), leafHash, rootHash);
}
