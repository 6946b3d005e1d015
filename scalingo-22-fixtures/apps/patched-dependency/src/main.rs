fn main() {
    println!("bp-bump {} checksum {}", bp_bump::version(), bp_bump::checksum(&["patched"]));
}
