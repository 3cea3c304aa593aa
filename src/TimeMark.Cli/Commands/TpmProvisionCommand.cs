using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using TimeMark.Attestation.Tpm;

namespace TimeMark.Cli.Commands;

/// <summary>
/// <c>timemark tpm provision</c>: the one-time set-up of a TPM for attestation. Creates an ECDSA P-256
/// restricted signing key (the attestation key, AK) under the RSA endorsement key with tpm2-tools and
/// makes it persistent, then prints the AK's name and writes the AK public key and the EK certificate,
/// the two files an auditor needs. Running it again on a provisioned TPM changes nothing.
/// </summary>
internal static class TpmProvisionCommand
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(60);

    public static Command Create()
    {
        var tpmOption = new Option<string>("--tpm")
        {
            Description = "The TPM: swtpm:host=H,port=P, swtpm:path=SOCKET or device:/dev/tpmrm0.",
            HelpName = "TPM",
            Required = true,
        };
        var akHandle = HandleOption("--ak-handle", 0x81000010, "Persistent handle for the attestation key.");
        var ekHandle = HandleOption("--ek-handle", 0x81010001, "The persistent RSA endorsement key.");
        var ekCertificateIndex = HandleOption("--ek-cert-index", 0x01c00002, "NV index of the RSA EK certificate; 0 to skip.");
        var outDirectory = new Option<DirectoryInfo>("--out")
        {
            Description = "Where to write ak.pem and ek-certificate.pem (default: the current folder).",
            HelpName = "DIR",
        };
        var command = new Command("provision",
            "Create the attestation key under the EK (tpm2_createak, tpm2_evictcontrol; tpm2-tools must be installed) unless it exists, " +
            "and write ak.pem and ek-certificate.pem. Exit 0 when the TPM is provisioned, 1 when the TPM or tpm2-tools failed, 2 for bad options.")
        {
            tpmOption, akHandle, ekHandle, ekCertificateIndex, outDirectory,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            TextWriter output = parseResult.InvocationConfiguration.Output;
            TextWriter error = parseResult.InvocationConfiguration.Error;
            if (!TpmTarget.TryParse(parseResult.GetValue(tpmOption)!, out TpmTarget? target, out string targetError))
            {
                error.WriteLine(Errors.Line($"--tpm: {targetError}"));
                return ExitCodes.UsageOrInputError;
            }
            uint ak = parseResult.GetValue(akHandle), ek = parseResult.GetValue(ekHandle), certificateIndex = parseResult.GetValue(ekCertificateIndex);
            string directory = parseResult.GetValue(outDirectory)?.FullName ?? Environment.CurrentDirectory;
            try
            {
                bool created = false;
                if (await ReadPublicOrNullAsync(target, ak, cancellationToken).ConfigureAwait(false) is null)
                {
                    if (await ReadPublicOrNullAsync(target, ek, cancellationToken).ConfigureAwait(false) is null)
                    {
                        error.WriteLine(Errors.Line($"no endorsement key at 0x{ek:x8}: create it first (tpm2_createek -c 0x{ek:x8} -G rsa)"));
                        return ExitCodes.CheckFailed;
                    }
                    // swtpm serves one connection at a time: tpm2-tools run only while no TpmClient is connected.
                    string context = Path.Combine(Directory.CreateTempSubdirectory("timemark-provision-").FullName, "ak.ctx");
                    try
                    {
                        await ToolAsync(target, ["tpm2_createak", "-C", Hex(ek), "-c", context, "-G", "ecc", "-g", "sha256", "-s", "ecdsa"], cancellationToken).ConfigureAwait(false);
                        await ToolAsync(target, ["tpm2_evictcontrol", "-C", "o", "-c", context, Hex(ak)], cancellationToken).ConfigureAwait(false);
                        await ToolAsync(target, ["tpm2_flushcontext", "-t"], cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        Directory.Delete(Path.GetDirectoryName(context)!, recursive: true);
                    }
                    created = true;
                }

                await using TpmClient tpm = await TpmClient.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
                TpmPublicArea akPublic = await tpm.ReadPublicAsync(ak, cancellationToken).ConfigureAwait(false);
                Directory.CreateDirectory(directory);
                string akFile = Path.Combine(directory, "ak.pem");
                await File.WriteAllTextAsync(akFile, akPublic.ExportPem(), cancellationToken).ConfigureAwait(false);
                output.WriteLine($"attestation key {(created ? "created" : "already present")} at {Hex(ak)}: name {Convert.ToHexStringLower(akPublic.Name)}");
                output.WriteLine($"wrote {akFile}");
                if (certificateIndex != 0)
                {
                    byte[] der = await tpm.NvReadAsync(certificateIndex, cancellationToken).ConfigureAwait(false);
                    using X509Certificate2 certificate = X509CertificateLoader.LoadCertificate(der);
                    string certificateFile = Path.Combine(directory, "ek-certificate.pem");
                    await File.WriteAllTextAsync(certificateFile, certificate.ExportCertificatePem() + "\n", cancellationToken).ConfigureAwait(false);
                    output.WriteLine($"EK certificate issued by \"{certificate.Issuer}\", valid to {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}");
                    output.WriteLine($"wrote {certificateFile}");
                }
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is TpmException or InvalidOperationException or IOException or UnauthorizedAccessException
                                          or System.Security.Cryptography.CryptographicException)
            {
                error.WriteLine(Errors.Line($"cannot provision {target}: {e.Message}"));
                return ExitCodes.CheckFailed;
            }
        });
        return new Command("tpm", "Prepare a TPM for remote attestation.") { command };
    }

    private static async Task<TpmPublicArea?> ReadPublicOrNullAsync(TpmTarget target, uint handle, CancellationToken cancellationToken)
    {
        await using TpmClient tpm = await TpmClient.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
        try
        {
            return await tpm.ReadPublicAsync(handle, cancellationToken).ConfigureAwait(false);
        }
        catch (TpmException e) when (e.ResponseCode is not null)
        {
            // The TPM answered: nothing at that handle (TPM_RC_HANDLE and friends).
            return null;
        }
    }

    /// <summary>Runs one tpm2-tools program; TimeMark's TPM names are tpm2-tools TCTI strings.</summary>
    private static async Task ToolAsync(TpmTarget target, string[] args, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(args[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args.Skip(1))
            start.ArgumentList.Add(arg);
        start.Environment["TPM2TOOLS_TCTI"] = target.ToString();
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{args[0]} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{args[0]} cannot run ({e.Message}): install tpm2-tools", e);
        }
        using (process)
        {
            Task<string> stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            Task<string> stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ToolTimeout);
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"{string.Join(' ', args)} exited with {process.ExitCode}: {(await stderr.ConfigureAwait(false)).Trim()} {(await stdout.ConfigureAwait(false)).Trim()}".Trim());
        }
    }

    private static Option<uint> HandleOption(string name, uint defaultValue, string description) => new(name)
    {
        Description = $"{description} (default {Hex(defaultValue)})",
        HelpName = "HANDLE",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            string text = result.Tokens.Single().Value;
            string digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
            if (uint.TryParse(digits, text.Length != digits.Length ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out uint value))
                return value;
            result.AddError($"{name} \"{text}\" is not a handle (0x81000010 or a decimal number)");
            return 0;
        },
    };

    private static string Hex(uint handle) => $"0x{handle:x8}";
}
