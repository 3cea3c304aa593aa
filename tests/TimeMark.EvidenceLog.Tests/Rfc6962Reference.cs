// RFC 6962 §2.1 written out as the RFC states it (MTH, PATH, PROOF/SUBPROOF), recursively over the
// leaf list, with no stored hashes: the independent oracle the production code is checked against.

using System.Security.Cryptography;

namespace TimeMark.EvidenceLog.Tests;

internal static class Rfc6962Reference
{
    /// <summary>
    /// The eight test leaves of the Certificate Transparency reference tests
    /// (transparency-dev/merkle proof/verify_test.go `leaves`, from the CT C++ merkle_tree_test.cc).
    /// </summary>
    public static readonly byte[][] CtLeaves =
    [
        [],
        Convert.FromHexString("00"),
        Convert.FromHexString("10"),
        Convert.FromHexString("2021"),
        Convert.FromHexString("3031"),
        Convert.FromHexString("40414243"),
        Convert.FromHexString("5051525354555657"),
        Convert.FromHexString("606162636465666768696a6b6c6d6e6f"),
    ];

    /// <summary>Entries 0..count-1 of a synthetic log: entry i is i as a big-endian uint16.</summary>
    public static byte[][] NumberedEntries(int count) =>
        Enumerable.Range(0, count).Select(i => new[] { (byte)(i >> 8), unchecked((byte)i) }).ToArray();

    public static Hash Hex(string hex) => new(Convert.FromHexString(hex));

    public static Hash LeafHash(byte[] entry) => Sha256([0x00, .. entry]);

    public static Hash NodeHash(Hash left, Hash right) => Sha256([0x01, .. left.AsSpan(), .. right.AsSpan()]);

    /// <summary>MTH(D[n]).</summary>
    public static Hash Mth(ReadOnlySpan<byte[]> d)
    {
        if (d.Length == 0)
        {
            return Sha256([]);
        }

        if (d.Length == 1)
        {
            return LeafHash(d[0]);
        }

        int k = SplitPoint(d.Length);
        return NodeHash(Mth(d[..k]), Mth(d[k..]));
    }

    /// <summary>PATH(m, D[n]).</summary>
    public static List<Hash> Path(int m, ReadOnlySpan<byte[]> d)
    {
        if (d.Length == 1)
        {
            return [];
        }

        int k = SplitPoint(d.Length);
        if (m < k)
        {
            List<Hash> path = Path(m, d[..k]);
            path.Add(Mth(d[k..]));
            return path;
        }
        else
        {
            List<Hash> path = Path(m - k, d[k..]);
            path.Add(Mth(d[..k]));
            return path;
        }
    }

    /// <summary>PROOF(m, D[n]) = SUBPROOF(m, D[n], true), for 0 &lt; m &lt; n.</summary>
    public static List<Hash> Proof(int m, ReadOnlySpan<byte[]> d) => Subproof(m, d, true);

    private static List<Hash> Subproof(int m, ReadOnlySpan<byte[]> d, bool b)
    {
        int n = d.Length;
        if (m == n)
        {
            return b ? [] : [Mth(d)];
        }

        int k = SplitPoint(n);
        if (m <= k)
        {
            List<Hash> proof = Subproof(m, d[..k], b);
            proof.Add(Mth(d[k..]));
            return proof;
        }
        else
        {
            List<Hash> proof = Subproof(m - k, d[k..], false);
            proof.Add(Mth(d[..k]));
            return proof;
        }
    }

    // The largest power of two smaller than n.
    private static int SplitPoint(int n)
    {
        int k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }

        return k;
    }

    private static Hash Sha256(byte[] data) => new(SHA256.HashData(data));
}
