namespace TimeMark.EvidenceLog.Tests;

public class MerkleHashTests
{
    [Fact]
    public void Empty_Always_IsSha256OfEmptyString()
    {
        // RFC 6962 §2.1: MTH({}) = SHA-256(); value from transparency-dev/merkle proof/verify_test.go.
        Assert.Equal(Rfc6962Reference.Hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), MerkleHash.Empty);
    }

    [Fact]
    public void Leaf_EmptyEntry_MatchesCtVector()
    {
        // The root of the one-leaf tree over the empty entry (transparency-dev/merkle `roots[0]`).
        Assert.Equal(Rfc6962Reference.Hex("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"), MerkleHash.Leaf([]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1023)]
    [InlineData(1024)]
    [InlineData(70_000)]
    public void Leaf_AnySize_MatchesReference(int size)
    {
        byte[] entry = Enumerable.Range(0, size).Select(i => unchecked((byte)(i * 7))).ToArray();

        Assert.Equal(Rfc6962Reference.LeafHash(entry), MerkleHash.Leaf(entry));
    }

    [Fact]
    public void Node_TwoCtLeaves_MatchesTreeOfSizeTwo()
    {
        Hash left = MerkleHash.Leaf(Rfc6962Reference.CtLeaves[0]);
        Hash right = MerkleHash.Leaf(Rfc6962Reference.CtLeaves[1]);

        Assert.Equal(Rfc6962Reference.Hex("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"), MerkleHash.Node(left, right));
    }

    [Theory]
    [InlineData(300)]
    [InlineData(4000)]
    public void Leaf_WarmedUp_AllocatesNothing(int size)
    {
        byte[] entry = new byte[size];
        MerkleHash.Leaf(entry);

        long before = GC.GetAllocatedBytesForCurrentThread();
        MerkleHash.Leaf(entry);
        long after = GC.GetAllocatedBytesForCurrentThread();

        Assert.Equal(0, after - before);
    }

    [Fact]
    public void Node_WarmedUp_AllocatesNothing()
    {
        Hash leaf = MerkleHash.Leaf([]);
        MerkleHash.Node(leaf, leaf);

        long before = GC.GetAllocatedBytesForCurrentThread();
        MerkleHash.Node(leaf, leaf);
        long after = GC.GetAllocatedBytesForCurrentThread();

        Assert.Equal(0, after - before);
    }
}
