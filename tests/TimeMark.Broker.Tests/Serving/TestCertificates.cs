using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>A throwaway device CA, a server certificate for 127.0.0.1 and device certificates, made in-process.</summary>
internal sealed class TestCertificates : IDisposable
{
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private long _serial = 1;

    public TestCertificates(string caName = "TimeMark Test Device CA")
    {
        var request = new CertificateRequest($"CN={caName}", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        Ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    public X509Certificate2 Ca { get; }

    /// <summary>A certificate with its private key, issued by this CA.</summary>
    public X509Certificate2 Issue(string commonName, bool server, ECDsa key)
    {
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [Oid.FromOidValue(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2", OidGroup.EnhancedKeyUsage)], false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }
        byte[] serial = BitConverter.GetBytes(Interlocked.Increment(ref _serial));
        using X509Certificate2 issued = request.Create(Ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), serial);
        return issued.CopyWithPrivateKey(key);
    }

    public void Dispose()
    {
        Ca.Dispose();
        _caKey.Dispose();
    }
}
