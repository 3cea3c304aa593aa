using TimeMark.Protocol.Keys;

namespace TimeMark.Cli;

/// <summary>
/// Reads and writes the files named on the command line, turning every way
/// they can be unusable into an <see cref="InputException"/> naming the file.
/// </summary>
internal static class InputFiles
{
    public static byte[] ReadAllBytes(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(Errors.CannotRead(path, e), e);
        }
    }

    public static SigningKey ReadSigningKey(string path) => ReadKey(path, KeyFile.ReadSigningKey);

    public static VerifyingKey ReadVerifyingKey(string path) => ReadKey(path, KeyFile.ReadVerifyingKey);

    /// <remarks>KeyFile's messages already name the file, so they are passed on as they are.</remarks>
    private static T ReadKey<T>(string path, Func<string, T> read)
    {
        try
        {
            return read(path);
        }
        catch (KeyFormatException e)
        {
            throw new InputException(e.Message, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(Errors.CannotRead(path, e), e);
        }
    }

    /// <summary>Writes an output file, replacing any file already there: outputs are derived, keys are not.</summary>
    public static void WriteAllBytes(string path, byte[] bytes)
    {
        try
        {
            File.WriteAllBytes(path, bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(Errors.CannotWrite(path, e), e);
        }
    }
}
