namespace TimeMark.Protocol.Keys;

/// <summary>
/// Key files in PEM: public keys as SubjectPublicKeyInfo, private keys as
/// PKCS#8, created with mode 0600 so no other user can ever read them.
/// </summary>
public static class KeyFile
{
    private const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PublicMode = PrivateMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Creates <paramref name="path"/> (never overwrites) with mode 0600 and the PKCS#8 PEM.</summary>
    public static void WriteSigningKey(string path, SigningKey key) =>
        Write(path, key.ExportPkcs8Pem(), PrivateMode);

    /// <summary>Creates <paramref name="path"/> (never overwrites) with mode 0644 and the public key PEM.</summary>
    public static void WriteVerifyingKey(string path, VerifyingKey key) =>
        Write(path, key.ExportPem(), PublicMode);

    /// <exception cref="KeyFormatException">The file holds no supported private key; the message names the file.</exception>
    public static SigningKey ReadSigningKey(string path) => Read(path, text => SigningKey.ImportPem(text));

    /// <exception cref="KeyFormatException">The file holds no supported public key; the message names the file.</exception>
    public static VerifyingKey ReadVerifyingKey(string path) => Read(path, text => VerifyingKey.ImportPem(text));

    private static T Read<T>(string path, Func<string, T> import)
    {
        string text = File.ReadAllText(path);
        try
        {
            return import(text);
        }
        catch (KeyFormatException e)
        {
            throw new KeyFormatException($"{path}: {e.Message}", e);
        }
    }

    private static void Write(string path, string pem, UnixFileMode mode)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = mode;
        using var writer = new StreamWriter(path, System.Text.Encoding.ASCII, options);
        writer.Write(pem);
    }
}
