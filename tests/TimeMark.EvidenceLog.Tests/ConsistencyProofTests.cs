using static TimeMark.EvidenceLog.Tests.Rfc6962Reference;

namespace TimeMark.EvidenceLog.Tests;

public class ConsistencyProofTests
{
    private const int MaxSize = 64;

    // transparency-dev/merkle proof/verify_test.go `consistencyProofs`, over the CT test leaves.
    public static TheoryData<int, int, string[]> CtProofs => new()
    {
        { 1, 1, [] },
        { 1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
        { 2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"] },
        { 6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
    };

    private static readonly byte[][] Entries = NumberedEntries(MaxSize);
    private static readonly MemoryHashStore Store = MerkleTreeTests.Store(MaxSize);
    private static readonly Hash[] Roots = Enumerable.Range(0, MaxSize + 1).Select(n => MerkleTree.TreeHash(n, Store)).ToArray();

    [Theory]
    [MemberData(nameof(CtProofs))]
    public void Prove_CtTestLeaves_MatchesKnownPath(int oldSize, int newSize, string[] path)
    {
        var store = new MemoryHashStore();
        foreach (byte[] leaf in CtLeaves)
        {
            store.Append(leaf);
        }

        ConsistencyProof proof = ConsistencyProof.Prove(oldSize, newSize, store);

        Assert.Equal(path.Select(Hex), proof.Path);
    }

    [Theory]
    [MemberData(nameof(CtProofs))]
    public void Verify_KnownCtPath_ReturnsTrue(int oldSize, int newSize, string[] path)
    {
        Hash oldRoot = Mth(CtLeaves.AsSpan(0, oldSize));
        Hash newRoot = Mth(CtLeaves.AsSpan(0, newSize));

        Assert.True(ConsistencyProof.Verify(oldSize, newSize, path.Select(Hex).ToArray(), oldRoot, newRoot));
    }

    [Fact]
    public void Prove_EveryPairUpTo64_MatchesRfcProof()
    {
        for (int newSize = 1; newSize <= MaxSize; newSize++)
        {
            for (int oldSize = 1; oldSize < newSize; oldSize++)
            {
                Assert.Equal(Proof(oldSize, Entries.AsSpan(0, newSize)), ConsistencyProof.Prove(oldSize, newSize, Store).Path);
            }
        }
    }

    [Fact]
    public void Verify_EveryPairUpTo64_ReturnsTrue()
    {
        for (int newSize = 1; newSize <= MaxSize; newSize++)
        {
            for (int oldSize = 1; oldSize <= newSize; oldSize++)
            {
                ConsistencyProof proof = ConsistencyProof.Prove(oldSize, newSize, Store);

                Assert.True(ConsistencyProof.Verify(oldSize, newSize, proof.Path.AsSpan(), Roots[oldSize], Roots[newSize]), $"{oldSize}->{newSize}");
            }
        }
    }

    [Fact]
    public void Verify_AnyProofByteFlipped_ReturnsFalse()
    {
        for (int newSize = 1; newSize <= MaxSize; newSize++)
        {
            for (int oldSize = 1; oldSize <= newSize; oldSize++)
            {
                Hash[] path = [.. ConsistencyProof.Prove(oldSize, newSize, Store).Path];
                for (int i = 0; i < path.Length; i++)
                {
                    Hash original = path[i];
                    for (int b = 0; b < Hash.Size; b++)
                    {
                        path[i] = InclusionProofTests.Flip(original, b);

                        Assert.False(ConsistencyProof.Verify(oldSize, newSize, path, Roots[oldSize], Roots[newSize]), $"{oldSize}->{newSize} hash {i} byte {b}");
                    }

                    path[i] = original;
                }
            }
        }
    }

    [Fact]
    public void Verify_WrongSizesRootsOrPathLength_ReturnsFalse()
    {
        for (int newSize = 2; newSize <= MaxSize; newSize++)
        {
            for (int oldSize = 1; oldSize < newSize; oldSize++)
            {
                Hash[] path = [.. ConsistencyProof.Prove(oldSize, newSize, Store).Path];
                Hash oldRoot = Roots[oldSize];
                Hash newRoot = Roots[newSize];
                string at = $"{oldSize}->{newSize}";

                Assert.False(ConsistencyProof.Verify(oldSize - 1, newSize, path, oldRoot, newRoot), at);
                Assert.False(ConsistencyProof.Verify(oldSize + 1, newSize, path, oldRoot, newRoot), at);
                Assert.False(ConsistencyProof.Verify(oldSize ^ 2, newSize, path, oldRoot, newRoot), at);
                Assert.False(ConsistencyProof.Verify(oldSize, newSize * 2, path, oldRoot, newRoot), at);
                Assert.False(ConsistencyProof.Verify(oldSize, newSize / 2, path, oldRoot, newRoot), at);
                Assert.False(ConsistencyProof.Verify(oldSize, newSize, path, newRoot, oldRoot), at);
                Assert.False(ConsistencyProof.Verify(oldSize, newSize, path, MerkleHash.Empty, newRoot), at);
                Assert.False(ConsistencyProof.Verify(oldSize, newSize, path, oldRoot, MerkleHash.Empty), at);
                Assert.False(ConsistencyProof.Verify(oldSize, newSize, [], oldRoot, newRoot), at);
                Assert.False(ConsistencyProof.Verify(oldSize, newSize, path.AsSpan(0, path.Length - 1), oldRoot, newRoot), at);
                Assert.False(ConsistencyProof.Verify(oldSize, newSize, [.. path, oldRoot], oldRoot, newRoot), at);
                Assert.False(ConsistencyProof.Verify(oldSize, newSize, [.. path, newRoot], oldRoot, newRoot), at);
                Assert.False(ConsistencyProof.Verify(oldSize, newSize, [oldRoot, .. path], oldRoot, newRoot), at);
                Assert.False(ConsistencyProof.Verify(oldSize, newSize, [path[0], .. path], oldRoot, newRoot), at);
            }
        }
    }

    [Fact]
    public void Verify_FromEmptyTreeWithEmptyPath_ReturnsTrue()
    {
        Assert.True(ConsistencyProof.Verify(0, 5, [], MerkleHash.Empty, Roots[5]));
    }

    [Fact]
    public void Verify_FromEmptyTreeWithWrongOldRoot_ReturnsFalse()
    {
        Assert.False(ConsistencyProof.Verify(0, 5, [], Roots[1], Roots[5]));
    }

    [Fact]
    public void Verify_FromEmptyTreeWithNonEmptyPath_ReturnsFalse()
    {
        Assert.False(ConsistencyProof.Verify(0, 5, [MerkleHash.Empty], MerkleHash.Empty, Roots[5]));
    }

    [Fact]
    public void Verify_SameSizeDifferentRoots_ReturnsFalse()
    {
        Assert.False(ConsistencyProof.Verify(5, 5, [], Roots[5], Roots[4]));
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(-1, 5)]
    [InlineData(long.MaxValue, long.MinValue)]
    public void Verify_SizesOutOfOrder_ReturnsFalse(long oldSize, long newSize)
    {
        Assert.False(ConsistencyProof.Verify(oldSize, newSize, [], MerkleHash.Empty, MerkleHash.Empty));
    }

    [Fact]
    public void Prove_FromEmptyTree_ReturnsEmptyPath()
    {
        Assert.Empty(ConsistencyProof.Prove(0, 7, Store).Path);
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(-1, 3)]
    public void Prove_SizesOutOfOrder_Throws(long oldSize, long newSize)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ConsistencyProof.Prove(oldSize, newSize, Store));
    }
}
