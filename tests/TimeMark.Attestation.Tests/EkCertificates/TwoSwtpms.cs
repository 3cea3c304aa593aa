using System.Security.Cryptography.X509Certificates;
using TimeMark.Tests.Shared;

namespace TimeMark.Attestation.Tests.EkCertificates;

/// <summary>Two swtpms, each with its own swtpm_localca, and the first one's RSA EK certificate; shared by a test class.</summary>
public sealed class TwoSwtpms : IAsyncLifetime
{
    internal Swtpm Tpm { get; private set; } = null!;

    internal Swtpm OtherTpm { get; private set; } = null!;

    public X509Certificate2 Ek { get; private set; } = null!;

    /// <summary>The first TPM's EK certificate as PEM, for openssl.</summary>
    public string EkPemFile { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Tpm = await Swtpm.StartAsync(provisionAk: false);
        OtherTpm = await Swtpm.StartAsync(provisionAk: false);
        string der = Path.Combine(Tpm.Root, "ek.der");
        await Tpm.ToolAsync("tpm2_nvread", $"0x{Swtpm.RsaEkCertificateIndex:x8}", "-o", der);
        Ek = X509CertificateLoader.LoadCertificateFromFile(der);
        EkPemFile = Path.Combine(Tpm.Root, "ek.pem");
        await File.WriteAllTextAsync(EkPemFile, Ek.ExportCertificatePem());
    }

    public async Task DisposeAsync()
    {
        Ek?.Dispose();
        if (Tpm is not null)
            await Tpm.DisposeAsync();
        if (OtherTpm is not null)
            await OtherTpm.DisposeAsync();
    }
}
