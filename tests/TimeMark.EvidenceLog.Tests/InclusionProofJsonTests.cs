using System.Text;
using static TimeMark.EvidenceLog.Tests.Rfc6962Reference;

namespace TimeMark.EvidenceLog.Tests;

public class InclusionProofJsonTests
{
    // The transparency-dev/merkle CT vector "leaf 2 of tree size 3" (see InclusionProofTests.CtProofs); the leaf hash
    // (SHA-256 of 0x00 0x10) and both base64 strings were computed with Python's hashlib and base64, not by TimeMark.
    private const string CtLeaf2Of3 =
        """{"leaf_index":2,"tree_size":3,"leaf_hash":"ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c=","hashes":["+sVCA+fMaWzw38tCySodnbr3CtnmIfS9jZhmLwDjwSU="]}""";

    [Fact]
    public void Format_CtProof_GivesKnownText()
    {
        var store = new MemoryHashStore();
        foreach (byte[] leaf in CtLeaves.AsSpan(0, 3))
        {
            store.Append(leaf);
        }

        InclusionProofJson json = InclusionProofJson.From(InclusionProof.Prove(2, 3, store), LeafHash(CtLeaves[2]));

        Assert.Equal(CtLeaf2Of3, json.Format());
    }

    [Fact]
    public void TryParse_KnownText_GivesItsFieldsAndVerifies()
    {
        Assert.True(InclusionProofJson.TryParse(Encoding.UTF8.GetBytes(CtLeaf2Of3), out InclusionProofJson? proof, out ProofJsonError error));

        Assert.Equal(ProofJsonError.None, error);
        Assert.Equal(2, proof.LeafIndex);
        Assert.Equal(3, proof.TreeSize);
        Assert.Equal(LeafHash(CtLeaves[2]), proof.LeafHash);
        Assert.Equal([Hex("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")], proof.Hashes.ToArray());
        Assert.True(proof.Verify(proof.LeafHash, Mth(CtLeaves.AsSpan(0, 3))));
    }

    [Fact]
    public void TryParse_EveryProofOfSizesUpTo32_RoundTripsAndVerifies()
    {
        byte[][] entries = NumberedEntries(32);
        var store = new MemoryHashStore();
        for (int size = 1; size <= 32; size++)
        {
            store.Append(entries[size - 1]);
            Hash root = MerkleTree.TreeHash(size, store);
            for (int index = 0; index < size; index++)
            {
                string text = InclusionProofJson.From(InclusionProof.Prove(index, size, store), LeafHash(entries[index])).Format();

                Assert.True(InclusionProofJson.TryParse(Encoding.UTF8.GetBytes(text), out InclusionProofJson? proof, out _), text);
                Assert.Equal(text, proof.Format());
                Assert.True(proof.Verify(LeafHash(entries[index]), root));
            }
        }
    }

    [Fact]
    public void TryParse_ReorderedWithWhitespaceAndEscapes_Parses()
    {
        // What another serializer may write: members in another order, pretty-printed, '+' and '/' escaped (System.Text.Json's default writes \u002B).
        string text = """
            {
              "hashes": [ "\u002BsVCA\u002BfMaWzw38tCySodnbr3CtnmIfS9jZhmLwDjwSU=" ],
              "leaf_hash": "ApjRIpBtz8EIkstTpzmS\/FufST6kybrbJ7eRtBJ6f+c=",
              "tree_size": 3,
              "leaf_index": 2
            }
            """;

        Assert.True(InclusionProofJson.TryParse(Encoding.UTF8.GetBytes(text), out InclusionProofJson? proof, out _));
        Assert.Equal(CtLeaf2Of3, proof.Format());
    }

    [Theory]
    [InlineData("""{"leaf_index":2,"tree_size":3,"leaf_hash":"ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c=","hashes":[],"extra":1}""", ProofJsonError.UnknownField)]
    [InlineData("""{"leaf_index":2,"leaf_index":2,"tree_size":3,"leaf_hash":"ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c=","hashes":[]}""", ProofJsonError.DuplicateField)]
    [InlineData("""{"leaf_index":2,"tree_size":3,"leaf_hash":"ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c="}""", ProofJsonError.MissingField)]
    [InlineData("""{"Leaf_index":2,"tree_size":3,"leaf_hash":"ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c=","hashes":[]}""", ProofJsonError.UnknownField)]
    [InlineData("""{"leaf_index":-1,"tree_size":3,"leaf_hash":"ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c=","hashes":[]}""", ProofJsonError.InvalidNumber)]
    [InlineData("""{"leaf_index":-0,"tree_size":3,"leaf_hash":"ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c=","hashes":[]}""", ProofJsonError.InvalidNumber)]
    [InlineData("""{"leaf_index":2.0,"tree_size":3,"leaf_hash":"ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c=","hashes":[]}""", ProofJsonError.InvalidNumber)]
    [InlineData("""{"leaf_index":2,"tree_size":3e0,"leaf_hash":"ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c=","hashes":[]}""", ProofJsonError.InvalidNumber)]
    [InlineData("""{"leaf_index":"2","tree_size":3,"leaf_hash":"ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c=","hashes":[]}""", ProofJsonError.InvalidNumber)]
    [InlineData("""{"leaf_index":2,"tree_size":9223372036854775808,"leaf_hash":"ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c=","hashes":[]}""", ProofJsonError.InvalidNumber)]
    [InlineData("""{"leaf_index":3,"tree_size":3,"leaf_hash":"ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c=","hashes":[]}""", ProofJsonError.InvalidNumber)]
    [InlineData("""{"leaf_index":2,"tree_size":3,"leaf_hash":"ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+d=","hashes":[]}""", ProofJsonError.InvalidHash)]
    [InlineData("""{"leaf_index":2,"tree_size":3,"leaf_hash":"ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c","hashes":[]}""", ProofJsonError.InvalidHash)]
    [InlineData("""{"leaf_index":2,"tree_size":3,"leaf_hash":"ApjRIpBtz8EIkstTpzmS_FufST6kybrbJ7eRtBJ6f-c=","hashes":[]}""", ProofJsonError.InvalidHash)]
    [InlineData("""{"leaf_index":2,"tree_size":3,"leaf_hash":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","hashes":[]}""", ProofJsonError.InvalidHash)]
    [InlineData("""{"leaf_index":2,"tree_size":3,"leaf_hash":"ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c=","hashes":"x"}""", ProofJsonError.InvalidHash)]
    [InlineData("""{"leaf_index":2,"tree_size":3,"leaf_hash":"ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c=","hashes":[1]}""", ProofJsonError.InvalidHash)]
    [InlineData("""{"leaf_index":2,"tree_size":3,"leaf_hash":"ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c=","hashes":[]} {}""", ProofJsonError.MalformedJson)]
    [InlineData("""{"leaf_index":2,"tree_size":3,"leaf_hash":"ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c=","hashes":[],}""", ProofJsonError.MalformedJson)]
    [InlineData("""{"leaf_index":2,/* c */"tree_size":3,"leaf_hash":"ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c=","hashes":[]}""", ProofJsonError.MalformedJson)]
    [InlineData("""[{"leaf_index":2}]""", ProofJsonError.MalformedJson)]
    [InlineData("", ProofJsonError.MalformedJson)]
    [InlineData("null", ProofJsonError.MalformedJson)]
    public void TryParse_BadDocument_ReturnsFalseWithReason(string text, ProofJsonError expected)
    {
        Assert.False(InclusionProofJson.TryParse(Encoding.UTF8.GetBytes(text), out InclusionProofJson? proof, out ProofJsonError error));

        Assert.Null(proof);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void TryParse_InvalidUtf8_ReturnsMalformedJson()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(CtLeaf2Of3);
        bytes[bytes.AsSpan().IndexOf("Apj"u8)] = 0xFF;

        Assert.False(InclusionProofJson.TryParse(bytes, out _, out ProofJsonError error));
        Assert.Equal(ProofJsonError.MalformedJson, error);
    }

    [Fact]
    public void TryParse_EveryTruncation_ReturnsFalse()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(CtLeaf2Of3);
        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.False(InclusionProofJson.TryParse(bytes.AsSpan(0, length), out _, out _), $"prefix of {length} bytes");
        }
    }

    [Fact]
    public void TryParse_MoreHashesThanAnyTreeHas_ReturnsTooManyHashes()
    {
        string hash = "\"ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c=\"";
        string text = $$"""{"leaf_index":2,"tree_size":3,"leaf_hash":{{hash}},"hashes":[{{string.Join(',', Enumerable.Repeat(hash, InclusionProofJson.MaxHashes + 1))}}]}""";

        Assert.False(InclusionProofJson.TryParse(Encoding.UTF8.GetBytes(text), out _, out ProofJsonError error));
        Assert.Equal(ProofJsonError.TooManyHashes, error);
    }

    [Fact]
    public void TryParse_LongerThanMaxSize_ReturnsTooLarge()
    {
        string text = CtLeaf2Of3 + new string(' ', InclusionProofJson.MaxSize);

        Assert.False(InclusionProofJson.TryParse(Encoding.UTF8.GetBytes(text), out _, out ProofJsonError error));
        Assert.Equal(ProofJsonError.TooLarge, error);
    }

    [Fact]
    public void Verify_OneHashByteFlipped_ReturnsFalse()
    {
        Assert.True(InclusionProofJson.TryParse(Encoding.UTF8.GetBytes(CtLeaf2Of3.Replace("+sVCA", "+sVCB", StringComparison.Ordinal)), out InclusionProofJson? proof, out _));

        Assert.False(proof.Verify(proof.LeafHash, Mth(CtLeaves.AsSpan(0, 3))));
    }
}
