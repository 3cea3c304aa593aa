using static TimeMark.EvidenceLog.Tests.Rfc6962Reference;

namespace TimeMark.EvidenceLog.Tests;

public class InclusionProofTests
{
    private const int MaxSize = 64;

    // transparency-dev/merkle proof/verify_test.go `inclusionProofs` (there with 1-based leaf numbers),
    // over the CT test leaves: (0-based leaf index, tree size, audit path).
    public static TheoryData<int, int, string[]> CtProofs => new()
    {
        { 0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
        { 2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"] },
        { 1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"] },
    };

    private static readonly byte[][] Entries = NumberedEntries(MaxSize);
    private static readonly MemoryHashStore Store = MerkleTreeTests.Store(MaxSize);

    [Theory]
    [MemberData(nameof(CtProofs))]
    public void Prove_CtTestLeaves_MatchesKnownPath(int index, int size, string[] path)
    {
        MemoryHashStore store = CtStore();

        InclusionProof proof = InclusionProof.Prove(index, size, store);

        Assert.Equal(path.Select(Hex), proof.Path);
    }

    [Theory]
    [MemberData(nameof(CtProofs))]
    public void Verify_KnownCtPath_ReturnsTrue(int index, int size, string[] path)
    {
        Hash root = Mth(CtLeaves.AsSpan(0, size));

        Assert.True(InclusionProof.Verify(index, size, path.Select(Hex).ToArray(), LeafHash(CtLeaves[index]), root));
    }

    [Fact]
    public void Prove_EveryIndexOfEverySizeUpTo64_MatchesRfcPath()
    {
        for (int size = 1; size <= MaxSize; size++)
        {
            for (int index = 0; index < size; index++)
            {
                Assert.Equal(Path(index, Entries.AsSpan(0, size)), InclusionProof.Prove(index, size, Store).Path);
            }
        }
    }

    [Fact]
    public void Verify_EveryIndexOfEverySizeUpTo64_ReturnsTrue()
    {
        for (int size = 1; size <= MaxSize; size++)
        {
            Hash root = MerkleTree.TreeHash(size, Store);
            for (int index = 0; index < size; index++)
            {
                InclusionProof proof = InclusionProof.Prove(index, size, Store);

                Assert.True(InclusionProof.Verify(index, size, proof.Path.AsSpan(), LeafHash(Entries[index]), root), $"{index}/{size}");
            }
        }
    }

    [Fact]
    public void Verify_AnyProofByteFlipped_ReturnsFalse()
    {
        for (int size = 1; size <= MaxSize; size++)
        {
            Hash root = MerkleTree.TreeHash(size, Store);
            for (int index = 0; index < size; index++)
            {
                Hash[] path = [.. InclusionProof.Prove(index, size, Store).Path];
                for (int i = 0; i < path.Length; i++)
                {
                    Hash original = path[i];
                    for (int b = 0; b < Hash.Size; b++)
                    {
                        path[i] = Flip(original, b);

                        Assert.False(InclusionProof.Verify(index, size, path, LeafHash(Entries[index]), root), $"{index}/{size} hash {i} byte {b}");
                    }

                    path[i] = original;
                }
            }
        }
    }

    [Fact]
    public void Verify_WrongIndexSizeOrRoot_ReturnsFalse()
    {
        for (int size = 1; size <= MaxSize; size++)
        {
            Hash root = MerkleTree.TreeHash(size, Store);
            for (int index = 0; index < size; index++)
            {
                Hash[] path = [.. InclusionProof.Prove(index, size, Store).Path];
                Hash leaf = LeafHash(Entries[index]);
                string at = $"{index}/{size}";

                Assert.False(InclusionProof.Verify(index - 1, size, path, leaf, root), at);
                Assert.False(InclusionProof.Verify(index + 1, size, path, leaf, root), at);
                Assert.False(InclusionProof.Verify(index ^ 2, size, path, leaf, root), at);
                Assert.False(InclusionProof.Verify(index, size * 2, path, leaf, root), at);
                Assert.False(InclusionProof.Verify(index, size / 2, path, leaf, root), at);
                Assert.False(InclusionProof.Verify(index, size, path, leaf, MerkleHash.Empty), at);
                Assert.False(InclusionProof.Verify(index, size, path, MerkleHash.Empty, root), at);
                Assert.False(InclusionProof.Verify(index, size, [.. path, root], leaf, root), at);
                Assert.False(InclusionProof.Verify(index, size, [root, .. path], leaf, root), at);
                if (path.Length > 0)
                {
                    Assert.False(InclusionProof.Verify(index, size, path.AsSpan(0, path.Length - 1), leaf, root), at);
                }
            }
        }
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(-1, 1)]
    [InlineData(1, 1)]
    [InlineData(0, -1)]
    [InlineData(long.MinValue, long.MaxValue)]
    public void Verify_IndexOutsideTree_ReturnsFalse(long index, long size)
    {
        Assert.False(InclusionProof.Verify(index, size, [], MerkleHash.Empty, MerkleHash.Empty));
    }

    [Fact]
    public void Verify_SingleLeafTreeWithEmptyPath_ReturnsTrue()
    {
        Hash leaf = MerkleHash.Leaf("data"u8);

        Assert.True(InclusionProof.Verify(0, 1, [], leaf, leaf));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(5, 5)]
    [InlineData(-1, 5)]
    public void Prove_IndexOutsideTree_Throws(long index, long size)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => InclusionProof.Prove(index, size, Store));
    }

    [Fact]
    public void FromStoredHashes_WrongNumberOfHashes_Throws()
    {
        Assert.Throws<ArgumentException>(() => InclusionProof.FromStoredHashes(0, 8, new Hash[2]));
    }

    [Fact]
    public void StoredHashIndexes_Leaf5Of8_ReadsOneHashPerLevel()
    {
        // PATH(5, D[8]): leaf 4, then the pair (6, 7), then the left half [0, 4).
        long[] expected = [MerkleTree.StoredHashIndex(2, 0), MerkleTree.StoredHashIndex(0, 4), MerkleTree.StoredHashIndex(1, 3)];

        Assert.Equal(expected, InclusionProof.StoredHashIndexes(5, 8));
    }

    internal static Hash Flip(Hash hash, int at)
    {
        byte[] bytes = hash.AsSpan().ToArray();
        bytes[at] ^= 0x01;
        return new Hash(bytes);
    }

    private static MemoryHashStore CtStore()
    {
        var store = new MemoryHashStore();
        foreach (byte[] leaf in CtLeaves)
        {
            store.Append(leaf);
        }

        return store;
    }
}
