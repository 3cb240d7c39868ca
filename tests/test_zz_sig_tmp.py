import signal, threading
def test_x():
    print(signal.getsignal(signal.SIGALRM), signal.getitimer(signal.ITIMER_REAL), threading.current_thread() is threading.main_thread())
