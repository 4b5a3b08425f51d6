namespace SlurmNative.Gateway.Login;

internal interface ILocalAccounts
{
    LocalAccount? Find(string userName);
}
