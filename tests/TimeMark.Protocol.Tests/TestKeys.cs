using TimeMark.Protocol.Keys;

namespace TimeMark.Protocol.Tests;

/// <summary>The keys in TestData, loaded once.</summary>
internal static class TestKeys
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "TestData", name);

    public static readonly SigningKey DeviceP256 = KeyFile.ReadSigningKey(Path("device-p256.key.pem"));
    public static readonly SigningKey DeviceEd25519 = KeyFile.ReadSigningKey(Path("device-ed25519.key.pem"));
    public static readonly SigningKey Broker = KeyFile.ReadSigningKey(Path("broker-ed25519.key.pem"));

    public static readonly VerifyingKey DeviceP256Public = KeyFile.ReadVerifyingKey(Path("device-p256.pem"));
    public static readonly VerifyingKey DeviceEd25519Public = KeyFile.ReadVerifyingKey(Path("device-ed25519.pem"));
    public static readonly VerifyingKey BrokerPublic = KeyFile.ReadVerifyingKey(Path("broker-ed25519.pem"));
}
