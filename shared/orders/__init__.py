"""Orders: the order session in Firestore, its state machine, the car selection and the order
manifest. Import the submodules directly (this file imports nothing).
"""
