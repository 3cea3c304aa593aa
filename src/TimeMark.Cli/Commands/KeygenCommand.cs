using System.CommandLine;
using TimeMark.Protocol.Keys;

namespace TimeMark.Cli.Commands;

/// <summary><c>timemark keygen</c>: creates a key pair as two PEM files, never overwriting one.</summary>
internal static class KeygenCommand
{
    private const string P256 = "p256";
    private const string Ed25519 = "ed25519";

    public static Command Create()
    {
        var type = new Option<string>("--type")
        {
            Description = "Key algorithm: p256 (ECDSA P-256, as the BRAID board's ATECC608) or ed25519 (devices, and the broker's time-mark key).",
            Required = true,
        };
        type.AcceptOnlyFromAmong(P256, Ed25519);
        var outDir = new Option<string>("--out")
        {
            Description = "Directory for the key files; created if missing.",
            HelpName = "DIR",
            Required = true,
        };
        var name = new Option<string>("--name")
        {
            Description = "File name without extension; defaults to the short key ID.",
            HelpName = "NAME",
        };
        name.Validators.Add(result =>
        {
            string? value = result.GetValueOrDefault<string>();
            if (value is not null && !IsPlainFileName(value))
                result.AddError(Errors.KeyNameInvalid(value));
        });

        var command = new Command("keygen",
            "Create a key pair: DIR/NAME.key (private, PKCS#8 PEM, mode 0600) and DIR/NAME.pem (public, SPKI PEM). " +
            "Refuses to overwrite an existing file (exit 2). Prints the key ID and the paths, never key material.")
        {
            type, outDir, name,
        };
        command.SetAction(parseResult => ActionRunner.Run(parseResult, output =>
        {
            KeyAlgorithm algorithm = parseResult.GetValue(type) == P256 ? KeyAlgorithm.EcdsaP256 : KeyAlgorithm.Ed25519;
            return Run(algorithm, parseResult.GetValue(outDir)!, parseResult.GetValue(name), output);
        }));
        return command;
    }

    private static int Run(KeyAlgorithm algorithm, string directory, string? name, TextWriter output)
    {
        using SigningKey key = SigningKey.Generate(algorithm);
        name ??= key.PublicKey.Id.ToString();
        string privatePath = Path.Combine(directory, name + ".key");
        string publicPath = Path.Combine(directory, name + ".pem");
        Create(directory, path => Directory.CreateDirectory(path));
        // Both names are checked first so that a clash leaves no half-written pair behind;
        // KeyFile creates with CreateNew, so a file that appears in between is still never overwritten.
        foreach (string path in (ReadOnlySpan<string>)[privatePath, publicPath])
        {
            if (Path.Exists(path))
                throw new InputException(Errors.KeyFileExists(path));
        }
        Create(privatePath, path => KeyFile.WriteSigningKey(path, key));
        Create(publicPath, path => KeyFile.WriteVerifyingKey(path, key.PublicKey));

        output.WriteLine($"key id:      {key.PublicKey.Id}");
        output.WriteLine($"full key id: {key.PublicKey.Id.ToFullHex()}");
        output.WriteLine($"algorithm:   {AlgorithmName(algorithm)}");
        output.WriteLine($"private key: {privatePath}");
        output.WriteLine($"public key:  {publicPath}");
        return ExitCodes.Ok;
    }

    private static void Create(string path, Action<string> create)
    {
        try
        {
            create(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(Errors.CannotWrite(path, e), e);
        }
    }

    /// <summary>The algorithm as people write it.</summary>
    public static string AlgorithmName(KeyAlgorithm algorithm) =>
        algorithm == KeyAlgorithm.EcdsaP256 ? "ECDSA P-256" : "Ed25519";

    private static bool IsPlainFileName(string name) =>
        name.Length > 0 && name is not ("." or "..") && name.IndexOfAny(['/', '\\']) < 0 && name == Path.GetFileName(name);
}
