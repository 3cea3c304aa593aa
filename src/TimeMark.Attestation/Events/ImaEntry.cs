namespace TimeMark.Attestation.Events;

/// <summary>One measurement of the Linux IMA log (a line of ascii_runtime_measurements_sha256).</summary>
/// <param name="Pcr">The PCR IMA extended, normally 10.</param>
/// <param name="TemplateHash">The 32-byte SHA-256 template hash, the digest IMA extends; all zeros for a violation.</param>
/// <param name="TemplateName">The template, e.g. ima-ng, ima-sig, ima.</param>
/// <param name="TemplateData">The rest of the line as the kernel printed it (file digest, path, …); not covered by the check.</param>
public sealed record ImaEntry(int Pcr, byte[] TemplateHash, string TemplateName, string TemplateData)
{
    /// <summary>A violation (a file measured while open for writing, or a ToMToU race): IMA records a zero hash.</summary>
    public bool IsViolation => !TemplateHash.AsSpan().ContainsAnyExcept((byte)0);
}
