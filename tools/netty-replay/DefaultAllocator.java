// Prints the simple class name of Netty's ByteBufAllocator.DEFAULT, which ByteBufUtil's static
// initializer picks from -Dio.netty.allocator.type. Run as a single-file program against the jars:
//   java [-Dio.netty.allocator.type=T] -cp netty-buffer.jar:netty-common.jar DefaultAllocator.java
// crates/memsim-direct/tests/netty42_selection.rs holds memsim's selection rule to it.
public class DefaultAllocator {
    public static void main(String[] args) {
        System.out.println(io.netty.buffer.ByteBufAllocator.DEFAULT.getClass().getSimpleName());
    }
}
