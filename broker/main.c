/* main.c: kafka-server entry point. */
int main(void)
{
    return 0;
}
