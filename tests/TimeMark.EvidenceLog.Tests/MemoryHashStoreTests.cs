namespace TimeMark.EvidenceLog.Tests;

public class MemoryHashStoreTests
{
    [Fact]
    public void Append_ThreeEntries_ReturnsConsecutiveIndexes()
    {
        var store = new MemoryHashStore();

        Assert.Equal([0L, 1L, 2L], new[] { store.Append([1]), store.Append([2]), store.Append([3]) });
    }

    [Fact]
    public void ReadHashes_IndexNotStored_Throws()
    {
        MemoryHashStore store = MerkleTreeTests.Store(2);

        Assert.Throws<ArgumentOutOfRangeException>(() => store.ReadHashes([3], new Hash[1]));
    }
}
