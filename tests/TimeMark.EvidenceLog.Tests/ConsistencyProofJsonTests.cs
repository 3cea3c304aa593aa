using System.Text;
using static TimeMark.EvidenceLog.Tests.Rfc6962Reference;

namespace TimeMark.EvidenceLog.Tests;

public class ConsistencyProofJsonTests
{
    // The transparency-dev/merkle CT vector "from size 2 to size 5" (see ConsistencyProofTests.CtProofs); the base64
    // strings were computed from its hex hashes with Python's base64, not by TimeMark.
    private const string Ct2To5 =
        """{"old_size":2,"new_size":5,"hashes":["Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=","vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms="]}""";

    [Fact]
    public void Format_CtProof_GivesKnownText()
    {
        var store = new MemoryHashStore();
        foreach (byte[] leaf in CtLeaves.AsSpan(0, 5))
        {
            store.Append(leaf);
        }

        Assert.Equal(Ct2To5, ConsistencyProofJson.From(ConsistencyProof.Prove(2, 5, store)).Format());
    }

    [Fact]
    public void TryParse_KnownText_VerifiesAgainstTheCtRoots()
    {
        Assert.True(ConsistencyProofJson.TryParse(Encoding.UTF8.GetBytes(Ct2To5), out ConsistencyProofJson? proof, out ProofJsonError error));

        Assert.Equal(ProofJsonError.None, error);
        Assert.Equal(2, proof.OldSize);
        Assert.Equal(5, proof.NewSize);
        Assert.True(proof.Verify(Mth(CtLeaves.AsSpan(0, 2)), Mth(CtLeaves.AsSpan(0, 5))));
    }

    [Fact]
    public void TryParse_EveryProofOfSizesUpTo24_RoundTripsAndVerifies()
    {
        byte[][] entries = NumberedEntries(24);
        var store = new MemoryHashStore();
        var roots = new List<Hash> { MerkleHash.Empty };
        foreach (byte[] entry in entries)
        {
            store.Append(entry);
            roots.Add(MerkleTree.TreeHash(store.TreeSize, store));
        }

        for (int newSize = 0; newSize <= 24; newSize++)
        {
            for (int oldSize = 0; oldSize <= newSize; oldSize++)
            {
                string text = ConsistencyProofJson.From(ConsistencyProof.Prove(oldSize, newSize, store)).Format();

                Assert.True(ConsistencyProofJson.TryParse(Encoding.UTF8.GetBytes(text), out ConsistencyProofJson? proof, out _), text);
                Assert.Equal(text, proof.Format());
                Assert.True(proof.Verify(roots[oldSize], roots[newSize]));
            }
        }
    }

    [Theory]
    [InlineData("""{"old_size":2,"new_size":5,"hashes":[],"leaf_hash":"x"}""", ProofJsonError.UnknownField)]
    [InlineData("""{"old_size":2,"new_size":5,"new_size":5,"hashes":[]}""", ProofJsonError.DuplicateField)]
    [InlineData("""{"old_size":2,"hashes":[]}""", ProofJsonError.MissingField)]
    [InlineData("""{"old_size":6,"new_size":5,"hashes":[]}""", ProofJsonError.InvalidNumber)]
    [InlineData("""{"old_size":2,"new_size":-5,"hashes":[]}""", ProofJsonError.InvalidNumber)]
    [InlineData("""{"old_size":2,"new_size":5,"hashes":["Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx5="]}""", ProofJsonError.InvalidHash)]
    [InlineData("""{"old_size":2,"new_size":5,"hashes":[null]}""", ProofJsonError.InvalidHash)]
    [InlineData("""{"old_size":2,"new_size":5,"hashes":[[]]}""", ProofJsonError.MalformedJson)]
    [InlineData("""{"old_size":2,"new_size":5,"hashes":[]}x""", ProofJsonError.MalformedJson)]
    public void TryParse_BadDocument_ReturnsFalseWithReason(string text, ProofJsonError expected)
    {
        Assert.False(ConsistencyProofJson.TryParse(Encoding.UTF8.GetBytes(text), out ConsistencyProofJson? proof, out ProofJsonError error));

        Assert.Null(proof);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void TryParse_EveryTruncation_ReturnsFalse()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(Ct2To5);
        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.False(ConsistencyProofJson.TryParse(bytes.AsSpan(0, length), out _, out _), $"prefix of {length} bytes");
        }
    }

    [Fact]
    public void Verify_OneHashByteFlipped_ReturnsFalse()
    {
        Assert.True(ConsistencyProofJson.TryParse(Encoding.UTF8.GetBytes(Ct2To5.Replace("vBoG", "vBoH", StringComparison.Ordinal)), out ConsistencyProofJson? proof, out _));

        Assert.False(proof.Verify(Mth(CtLeaves.AsSpan(0, 2)), Mth(CtLeaves.AsSpan(0, 5))));
    }
}
