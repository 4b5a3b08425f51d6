namespace SlurmNative.Gateway.Tokens;

internal interface ITokenMinter
{
    string Mint(string userName, TimeSpan lifespan);
}
