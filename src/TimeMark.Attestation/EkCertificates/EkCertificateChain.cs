// TCG EK Credential Profile for TPM Family 2.0: an EK certificate is issued by the TPM manufacturer's CA;
// the path is validated as in RFC 5280 §6 against roots the verifier was given, nothing else.

using System.Security.Cryptography.X509Certificates;

namespace TimeMark.Attestation.EkCertificates;

/// <summary>
/// Decides whether an EK certificate was issued under one of the verifier's own roots. The self-signed
/// certificates in the CA collection are the only trust anchors (custom root trust: the system store is never
/// consulted); the others may serve as intermediates. Revocation is not checked and nothing is downloaded:
/// TPM manufacturers' CRLs are often unreachable, and a verifier must decide offline.
/// </summary>
/// <remarks>
/// EK certificates carry TPM-specific content (TCG EK Credential Profile §3.2): often an empty subject with a
/// critical subjectAltName holding a directoryName of TPM manufacturer, model and version attributes, the
/// EK certificate EKU 2.23.133.8.1 and a non-critical subjectDirectoryAttributes. .NET on Linux (OpenSSL)
/// accepts all of that without a status flag, as the tests show for swtpm's certificates and for ones made in
/// the profile's shape, so no chain status is ignored here. A critical extension the platform does not process
/// (for example a subjectDirectoryAttributes marked critical) fails the check, and the detail names it.
/// Validity dates are checked at the current time, for the EK certificate and for every CA certificate: a
/// verifier that accepts expired certificates must say so itself (most EK certificates are issued until
/// 9999-12-31, the "no well-defined expiration" date of RFC 5280 §4.1.2.5).
/// </remarks>
public static class EkCertificateChain
{
    // RFC 5280 §4.2 extensions that path validation processes; a critical one of these is never the culprit.
    private static readonly HashSet<string> PathValidationExtensions =
    [
        "2.5.29.15", // keyUsage
        "2.5.29.17", // subjectAltName
        "2.5.29.19", // basicConstraints
        "2.5.29.30", // nameConstraints
        "2.5.29.32", // certificatePolicies
        "2.5.29.33", // policyMappings
        "2.5.29.36", // policyConstraints
        "2.5.29.37", // extKeyUsage
        "2.5.29.54", // inhibitAnyPolicy
    ];

    /// <summary>Whether <paramref name="ekCertificate"/> chains to a self-signed certificate of <paramref name="caCertificates"/>.</summary>
    /// <param name="detail">On success which root it chains to; on failure why not, naming the certificate and the problem.</param>
    public static bool Check(X509Certificate2 ekCertificate, X509Certificate2Collection caCertificates, out string detail)
    {
        ArgumentNullException.ThrowIfNull(ekCertificate);
        ArgumentNullException.ThrowIfNull(caCertificates);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = DateTime.Now; // validity is checked at the verifier's current time
        foreach (X509Certificate2 ca in caCertificates)
        {
            if (IsSelfSigned(ca))
                chain.ChainPolicy.CustomTrustStore.Add(ca);
            else
                chain.ChainPolicy.ExtraStore.Add(ca);
        }
        if (chain.ChainPolicy.CustomTrustStore.Count == 0)
        {
            detail = $"none of the {caCertificates.Count} CA certificates is self-signed, so there is no root to trust";
            return false;
        }

        bool built = chain.Build(ekCertificate);
        X509Certificate2 top = chain.ChainElements[^1].Certificate;
        // Custom root trust already guarantees this; compared byte for byte so the claim in detail is exact.
        bool anchored = chain.ChainPolicy.CustomTrustStore.Any(root => root.RawData.AsSpan().SequenceEqual(top.RawData));
        if (built && anchored)
        {
            int intermediates = chain.ChainElements.Count - 2;
            detail = $"issued under the root {Describe(top)}" + (intermediates > 0 ? $" through {intermediates} intermediate(s)" : "");
            return true;
        }
        detail = DescribeFailure(chain);
        return false;
    }

    private static bool IsSelfSigned(X509Certificate2 certificate) =>
        certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);

    private static string DescribeFailure(X509Chain chain)
    {
        var problems = new List<string>();
        for (int i = 0; i < chain.ChainElements.Count; i++)
        {
            X509ChainElement element = chain.ChainElements[i];
            string who = i == 0 ? "EK certificate" : Describe(element.Certificate);
            problems.AddRange(element.ChainElementStatus
                .Where(status => status.Status != X509ChainStatusFlags.NoError)
                .Select(status => $"{who}: {Explain(status, element.Certificate)}"));
        }
        // Some problems are reported only for the chain as a whole.
        if (problems.Count == 0)
        {
            problems.AddRange(chain.ChainStatus
                .Where(status => status.Status != X509ChainStatusFlags.NoError)
                .Select(status => Explain(status, chain.ChainElements[^1].Certificate)));
        }
        return problems.Count > 0 ? string.Join("; ", problems) : "the chain does not end at one of the given roots";
    }

    private static string Explain(X509ChainStatus status, X509Certificate2 certificate) => status.Status switch
    {
        X509ChainStatusFlags.PartialChain =>
            $"no issuer found for {Describe(certificate)} among the given CA certificates (missing intermediate?)",
        X509ChainStatusFlags.UntrustedRoot => "the chain ends at a root that is not one of the given roots",
        X509ChainStatusFlags.NotTimeValid =>
            $"not valid now (valid from {certificate.NotBefore.ToUniversalTime():u} to {certificate.NotAfter.ToUniversalTime():u})",
        X509ChainStatusFlags.NotSignatureValid => "the signature does not verify under the issuer's key",
        X509ChainStatusFlags.HasNotSupportedCriticalExtension =>
            "a critical extension is not understood: " + string.Join(", ",
                certificate.Extensions.Where(e => e.Critical && !PathValidationExtensions.Contains(e.Oid?.Value ?? "")).Select(e => e.Oid?.Value ?? "?")),
        _ => $"{status.Status} ({status.StatusInformation.Trim()})",
    };

    private static string Describe(X509Certificate2 certificate) =>
        certificate.Subject.Length > 0 ? $"\"{certificate.Subject}\"" : $"certificate with serial {certificate.SerialNumber}";
}
