namespace TimeMark.EvidenceLog.Tests;

public class MerkleTreeTests
{
    // Root hashes of the CT test leaves for sizes 0..8: transparency-dev/merkle proof/verify_test.go
    // (`sha256EmptyTreeHash` and `roots`), re-derived with Python hashlib from RFC 6962 §2.1.
    public static TheoryData<int, string> CtRoots => new()
    {
        { 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
        { 1, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d" },
        { 2, "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125" },
        { 3, "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77" },
        { 4, "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" },
        { 5, "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4" },
        { 6, "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef" },
        { 7, "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c" },
        { 8, "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328" },
    };

    // Roots of Rfc6962Reference.NumberedEntries(300) prefixes, computed once with /usr/bin/python3 hashlib
    // from the RFC 6962 §2.1 MTH definition (independently of this code base).
    public static TheoryData<int, string> LargerRoots => new()
    {
        { 256, "16284532241f522a3fba7a0ae0863cb456ad381219176c2d424516ac230e3110" },
        { 257, "56dafde5bb3a6d3100c0a5a4a40f1e3eedfb0bd82b6f38a927fb7fe427f87e8b" },
        { 300, "6323b7440f53f742380c606a0c27e5d4847c818f8b1dc01d1ee71d5a2ac5b467" },
    };

    [Theory]
    [MemberData(nameof(CtRoots))]
    public void TreeHash_CtTestLeaves_MatchesKnownRoot(int size, string root)
    {
        var store = new MemoryHashStore();
        foreach (byte[] leaf in Rfc6962Reference.CtLeaves[..size])
        {
            store.Append(leaf);
        }

        Assert.Equal(Rfc6962Reference.Hex(root), MerkleTree.TreeHash(size, store));
    }

    [Theory]
    [MemberData(nameof(LargerRoots))]
    public void TreeHash_LargerTree_MatchesPythonRoot(int size, string root)
    {
        MemoryHashStore store = Store(300);

        Assert.Equal(Rfc6962Reference.Hex(root), MerkleTree.TreeHash(size, store));
    }

    [Fact]
    public void TreeHash_EverySizeUpTo300_MatchesReferenceMth()
    {
        byte[][] entries = Rfc6962Reference.NumberedEntries(300);
        MemoryHashStore store = Store(300);

        for (int size = 0; size <= 300; size++)
        {
            Assert.Equal(Rfc6962Reference.Mth(entries.AsSpan(0, size)), MerkleTree.TreeHash(size, store));
        }
    }

    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(0, 1, 1)]
    [InlineData(1, 0, 2)]
    [InlineData(0, 2, 3)]
    [InlineData(0, 3, 4)]
    [InlineData(1, 1, 5)]
    [InlineData(2, 0, 6)]
    [InlineData(0, 4, 7)]
    public void StoredHashIndex_SmallTree_FollowsAppendOrder(int level, long n, long index)
    {
        // Entry 0 stores (0,0); entry 1 stores (0,1),(1,0); entry 2 stores (0,2); entry 3 stores (0,3),(1,1),(2,0).
        Assert.Equal(index, MerkleTree.StoredHashIndex(level, n));
    }

    [Fact]
    public void SplitStoredHashIndex_First10000Indexes_InvertsStoredHashIndex()
    {
        for (long index = 0; index < 10_000; index++)
        {
            (int level, long n) = MerkleTree.SplitStoredHashIndex(index);

            Assert.Equal(index, MerkleTree.StoredHashIndex(level, n));
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(64)]
    public void StoredHashIndex_LevelOutOfRange_Throws(int level)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MerkleTree.StoredHashIndex(level, 0));
    }

    [Fact]
    public void StoredHashCount_EverySizeUpTo300_MatchesHashesStored()
    {
        var store = new MemoryHashStore();
        for (int size = 1; size <= 300; size++)
        {
            store.Append([unchecked((byte)size)]);

            Assert.Equal(MerkleTree.StoredHashIndex(0, size), MerkleTree.StoredHashCount(size));
        }
    }

    [Fact]
    public void StoredHashes_EntryCompletingFourSubtrees_WritesFiveHashes()
    {
        MemoryHashStore store = Store(15);
        Span<Hash> stored = stackalloc Hash[MerkleTree.MaxStoredHashesPerEntry];

        int count = MerkleTree.StoredHashes(15, MerkleHash.Leaf([0, 15]), store, stored);

        Assert.Equal(5, count);
        Assert.Equal(Rfc6962Reference.Mth(Rfc6962Reference.NumberedEntries(16)), stored[4]);
    }

    [Fact]
    public void StoredHashesIndexes_Entry15_ListsLeftSiblingsInIncreasingOrder()
    {
        long[] expected =
        [
            MerkleTree.StoredHashIndex(3, 0),
            MerkleTree.StoredHashIndex(2, 2),
            MerkleTree.StoredHashIndex(1, 6),
            MerkleTree.StoredHashIndex(0, 14),
        ];

        Assert.Equal(expected, MerkleTree.StoredHashesIndexes(15));
    }

    [Fact]
    public void TreeHash_WrongNumberOfHashes_Throws()
    {
        Assert.Throws<ArgumentException>(() => MerkleTree.TreeHash(3, new Hash[1]));
    }

    [Fact]
    public void TreeHash_WarmedUp_AllocatesNothing()
    {
        MemoryHashStore store = Store(1000);
        MerkleTree.TreeHash(999, store);

        long before = GC.GetAllocatedBytesForCurrentThread();
        MerkleTree.TreeHash(999, store);
        long after = GC.GetAllocatedBytesForCurrentThread();

        Assert.Equal(0, after - before);
    }

    [Fact]
    public void StoredHashes_WarmedUp_AllocatesNothing()
    {
        MemoryHashStore store = Store(1023);
        Hash leaf = MerkleHash.Leaf([1]);
        var destination = new Hash[MerkleTree.MaxStoredHashesPerEntry];
        MerkleTree.StoredHashes(1023, leaf, store, destination);

        long before = GC.GetAllocatedBytesForCurrentThread();
        MerkleTree.StoredHashes(1023, leaf, store, destination);
        long after = GC.GetAllocatedBytesForCurrentThread();

        Assert.Equal(0, after - before);
    }

    internal static MemoryHashStore Store(int size)
    {
        var store = new MemoryHashStore();
        foreach (byte[] entry in Rfc6962Reference.NumberedEntries(size))
        {
            store.Append(entry);
        }

        return store;
    }
}
