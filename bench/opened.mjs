// Resolves once an rxws subject can carry the bench's messages: its welcome with a session
// (`session$`), its open event without (`open$`). Shared by bench/session.mjs and bench/session-cpu.mjs.
export function opened(socket, session) {
  return new Promise((resolve) => {
    const subscription = (session ? socket.session$ : socket.open$).subscribe(() => {
      resolve();
      queueMicrotask(() => subscription.unsubscribe());
    });
  });
}
